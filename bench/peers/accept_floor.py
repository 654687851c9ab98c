"""Python peers of bench/forking-accept-floor.ts: the kernel's connect -> accept floor.

    python3 bench/peers/accept_floor.py accept|fork --host 127.0.0.1 --port 0

Each reads one line from a connection and answers with CLOCK_MONOTONIC nanoseconds
(``time.monotonic_ns()``, the clock of Node's ``process.hrtime.bigint()``), so the bench lines
them up with its client's connect:

- ``accept``: one process asleep in a blocking ``accept()``; answers ``ACCEPTED_NS\\n``.
- ``fork``: the standard library's ``ForkingTCPServer`` (a fork per request, Python's model);
  answers ``ACCEPTED_NS HANDLER_NS\\n`` — the parent's accept, the forked child's ``handle()``.

Prints ``listening on PORT`` once it takes traffic; exits 0 on SIGTERM.
"""

import argparse
import signal
import socket
import socketserver
import sys
import time


def serve_accept(host, port):
    """A sleeping accept: blocking accept(), one connection at a time."""
    listener = socket.create_server((host, port), backlog=1024)
    print(f"listening on {listener.getsockname()[1]}", flush=True)
    while True:
        conn, _ = listener.accept()
        accepted = time.monotonic_ns()
        with conn:
            conn.makefile("rb").readline()
            conn.sendall(f"{accepted}\n".encode())


class ForkingServer(socketserver.ForkingTCPServer):
    """Python's fork per request; remembers when the parent accepted (the child inherits it)."""

    allow_reuse_address = True
    request_queue_size = 1024
    accepted = 0

    def get_request(self):
        request = super().get_request()
        self.accepted = time.monotonic_ns()
        return request


class Stamp(socketserver.StreamRequestHandler):
    """Answers with the parent's accept and this (forked) child's handle() start."""

    def handle(self):
        began = time.monotonic_ns()
        self.rfile.readline()
        self.wfile.write(f"{self.server.accepted} {began}\n".encode())


def serve_fork(host, port):
    with ForkingServer((host, port), Stamp) as server:
        print(f"listening on {server.server_address[1]}", flush=True)
        server.serve_forever()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["accept", "fork"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if args.mode == "accept":
        serve_accept(args.host, args.port)
    else:
        serve_fork(args.host, args.port)


if __name__ == "__main__":
    main()
