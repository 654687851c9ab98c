# The Python documentation's socketserver UDP client, verbatim but for where it sends:
# SOCKSERVE_HOST / SOCKSERVE_PORT (default "localhost", 9999, as in the docs).
import os
import socket
import sys

HOST, PORT = os.environ.get("SOCKSERVE_HOST", "localhost"), int(os.environ.get("SOCKSERVE_PORT", "9999"))
data = " ".join(sys.argv[1:])

# SOCK_DGRAM is the socket type to use for UDP sockets
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

# As you can see, there is no connect() call; UDP has no connections.
# Instead, data is directly sent to the recipient via sendto().
sock.sendto(bytes(data + "\n", "utf-8"), (HOST, PORT))
received = str(sock.recv(1024), "utf-8")

print("Sent:     {}".format(data))
print("Received: {}".format(received))
