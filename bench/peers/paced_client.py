"""The paced one-client latency client of the forking benches (issue 19), in a process of its own.

    python3 bench/peers/paced_client.py HOST PORT --count N [--gap MS] [--warmup K] [--line TEXT]

One client, one connection at a time: it sleeps GAP ms, then opens a TCP connection, writes
LINE and a newline, shuts its sending side (the server sees end of stream after the line, as
with Node's ``socket.end(line)``), and reads until the server closes. WARMUP exchanges come
first (no gap before the first, not counted). Blocking sockets and nothing else in the process:
the client adds ~0.05 ms of its own, where a Node client in the bench's (or the server's)
process added 0.5-0.9 ms (its timers, event loop wake-ups and the server's own work).

Every timestamp is CLOCK_MONOTONIC nanoseconds (``time.monotonic_ns()``, the clock of Node's
``process.hrtime.bigint()``), so a bench lines them up with the server's and its children's.
Prints one JSON line: ``{"exchanges": [{"start", "connected", "firstByte", "closed", "reply"}]}``
(the stamps as decimal strings, the reply as text). Exits 1 with the error on standard error if
a connection fails.
"""

import argparse
import json
import socket
import time


def exchange(host, port, line):
    """One connection: the stamps and the server's whole answer."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        start = time.monotonic_ns()
        sock.connect((host, port))
        connected = time.monotonic_ns()
        sock.sendall(line)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        first_byte = None
        while True:
            chunk = sock.recv(65536)
            if first_byte is None:
                first_byte = time.monotonic_ns()
            if not chunk:
                break
            chunks.append(chunk)
        closed = time.monotonic_ns()
    return {
        "start": str(start),
        "connected": str(connected),
        "firstByte": str(first_byte),
        "closed": str(closed),
        "reply": b"".join(chunks).decode("utf-8", "replace"),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--gap", type=float, default=1000.0, help="ms before each counted exchange")
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--line", default="a" * 63)
    args = parser.parse_args()
    line = (args.line + "\n").encode()
    for _ in range(args.warmup):
        exchange(args.host, args.port, line)
    exchanges = []
    for _ in range(args.count):
        time.sleep(args.gap / 1000)
        exchanges.append(exchange(args.host, args.port, line))
    print(json.dumps({"exchanges": exchanges}), flush=True)


if __name__ == "__main__":
    main()
