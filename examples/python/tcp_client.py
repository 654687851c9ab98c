# The Python documentation's socketserver TCP client, verbatim but for where it connects:
# SOCKSERVE_HOST / SOCKSERVE_PORT (default "localhost", 9999, as in the docs).
import os
import socket
import sys

HOST, PORT = os.environ.get("SOCKSERVE_HOST", "localhost"), int(os.environ.get("SOCKSERVE_PORT", "9999"))
data = " ".join(sys.argv[1:])

# Create a socket (SOCK_STREAM means a TCP socket)
with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
    # Connect to server and send data
    sock.connect((HOST, PORT))
    sock.sendall(bytes(data + "\n", "utf-8"))

    # Receive data from the server and shut down
    received = str(sock.recv(1024), "utf-8")

print("Sent:     {}".format(data))
print("Received: {}".format(received))
