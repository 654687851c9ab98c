"""A lean connect-burst client for bench/burst-refusals.ts (issue 12, item 7).

    python3 bench/peers/burst_client.py PORT CONNECTIONS [SECONDS]

Opens CONNECTIONS non-blocking TCP connections to 127.0.0.1:PORT, spread evenly over
SECONDS (default 0.1), reading epoll events between connects, and records for each
connection how long after its connect() call the server closed it (reset or end of stream).
Prints one JSON line. A Node client spends most of a burst building its own sockets and
delivering their events, which then shows as refusal latency; this one measures the server.
"""

import json
import select
import socket
import sys
import time

port, n = int(sys.argv[1]), int(sys.argv[2])
over = float(sys.argv[3]) if len(sys.argv) > 3 else 0.1
poller = select.epoll()
sockets, connected_at, closed_after = {}, {}, []
resets = 0


def drain(timeout):
    global resets
    for fd, _ in poller.poll(timeout):
        now = time.perf_counter()
        try:
            sockets[fd].recv(1)
        except ConnectionResetError:
            resets += 1
        except BlockingIOError:
            continue  # connected, nothing to read: still held
        except OSError:
            pass
        closed_after.append((now - connected_at[fd]) * 1000)
        poller.unregister(fd)


start = time.perf_counter()
for i in range(n):
    while time.perf_counter() < start + over * i / n:
        drain(0)
    s = socket.socket()
    s.setblocking(False)
    t0 = time.perf_counter()
    try:
        s.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    sockets[s.fileno()], connected_at[s.fileno()] = s, t0
    poller.register(s.fileno(), select.EPOLLIN | select.EPOLLRDHUP | select.EPOLLERR)
    drain(0)
burst_ms = (time.perf_counter() - start) * 1000
deadline = time.perf_counter() + 3
while time.perf_counter() < deadline and len(closed_after) < n:
    drain(0.05)
closed_after.sort()


def q(p):
    return round(closed_after[int((len(closed_after) - 1) * p)]) if closed_after else 0


print(
    json.dumps(
        {
            "burstMs": round(burst_ms),
            "reset": resets,
            "closed": len(closed_after),
            "openAfter3s": n - len(closed_after),
            "resetMs": {"p50": q(0.5), "p99": q(0.99), "max": q(1)},
            "over100ms": sum(1 for ms in closed_after if ms > 100),
        }
    )
)
for s in sockets.values():
    s.close()
