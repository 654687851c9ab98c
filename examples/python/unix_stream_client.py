# The Python docs' TCP client, on an AF_UNIX stream socket: SOCKSERVE_PATH is the server.
import os
import socket
import sys

PATH = os.environ["SOCKSERVE_PATH"]
data = " ".join(sys.argv[1:])

with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
    sock.connect(PATH)
    sock.sendall(bytes(data + "\n", "utf-8"))
    received = str(sock.recv(1024), "utf-8")

print("Sent:     {}".format(data))
print("Received: {}".format(received))
