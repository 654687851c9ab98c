# The Python docs' UDP client, on an AF_UNIX datagram socket: SOCKSERVE_PATH is the server.
# Unlike UDP, a Unix datagram client must bind a path of its own to receive the reply.
import os
import socket
import sys
import tempfile

PATH = os.environ["SOCKSERVE_PATH"]
data = " ".join(sys.argv[1:])

with tempfile.TemporaryDirectory() as tmp, socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
    sock.bind(os.path.join(tmp, "client.sock"))
    sock.settimeout(10)
    sock.sendto(bytes(data + "\n", "utf-8"), PATH)
    received = str(sock.recv(1024), "utf-8")

print("Sent:     {}".format(data))
print("Received: {}".format(received))
