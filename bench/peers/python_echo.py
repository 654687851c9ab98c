"""Python socketserver peer: the same line upper-case echo on the standard library's servers.

    python3 bench/peers/python_echo.py --transport tcp|udp|unix|unixdgram
        --strategy sequential|threading|forking (--host H --port P | --path P)

tcp: TCPServer / ThreadingTCPServer / ForkingTCPServer; udp: UDPServer (and the mixins);
unix: UnixStreamServer; unixdgram: UnixDatagramServer. Prints ``listening on ADDR`` once it
takes traffic, exits 0 on SIGINT / SIGTERM. The one change from the defaults:
``request_queue_size`` is 1024 instead of 5, so a burst of connects measures the server,
not SYN drops from a 5-deep backlog (sockserve listens with the OS maximum).
"""

import argparse
import os
import signal
import socketserver
import sys


class UpperEcho(socketserver.StreamRequestHandler):
    """Every line upper-cased, on a persistent connection, until EOF."""

    def handle(self):
        for line in self.rfile:
            self.wfile.write(line.upper())


class UpperDatagram(socketserver.DatagramRequestHandler):
    """One reply per datagram: the datagram upper-cased."""

    def handle(self):
        self.wfile.write(self.rfile.read().upper())


BASES = {
    "tcp": (socketserver.TCPServer, UpperEcho),
    "udp": (socketserver.UDPServer, UpperDatagram),
    "unix": (socketserver.UnixStreamServer, UpperEcho),
    "unixdgram": (socketserver.UnixDatagramServer, UpperDatagram),
}
MIXINS = {
    "sequential": (),
    "threading": (socketserver.ThreadingMixIn,),
    "forking": (socketserver.ForkingMixIn,),
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--transport", choices=BASES, required=True)
    parser.add_argument("--strategy", choices=MIXINS, default="sequential")
    parser.add_argument("--workers")  # accepted for the same flags; Python's mixins are unbounded
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--path")
    args = parser.parse_args()
    base, handler = BASES[args.transport]
    server_class = type("Server", MIXINS[args.strategy] + (base,), {
        "request_queue_size": 1024,
        "allow_reuse_address": True,
        "daemon_threads": True,
    })
    unix = args.transport.startswith("unix")
    if unix and not args.path:
        parser.error("--path is required for unix transports")

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    address = args.path if unix else (args.host, args.port)
    try:
        with server_class(address, handler) as server:
            bound = server.server_address
            shown = bound if unix else "%s:%d" % bound[:2]
            print("listening on %s" % shown, flush=True)
            try:
                server.serve_forever()
            except KeyboardInterrupt:
                pass
    finally:
        if unix and os.path.exists(args.path):
            os.unlink(args.path)
    sys.exit(0)


if __name__ == "__main__":
    main()
