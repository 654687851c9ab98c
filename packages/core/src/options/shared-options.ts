/**
 * Options several servers and strategies take, declared once here so that each default
 * appears once and a server composed with a mixin (TCP with threading, say) gets one
 * `closeTimeout` that serves both: {@link OptionSet.with} merges the very same declaration.
 */
import { osMaxBacklog } from '../platform.js';
import { booleanOption, durationOption, integerOption } from './option.js';

/** ms sockserve gives a finished connection, or an idle runner, before it acts: 30 s. */
const GRACE_MS = 30_000;

/** `closeTimeout`: how long a finished connection may flush before it is destroyed. */
export const CLOSE_TIMEOUT = durationOption({
  default: GRACE_MS,
  doc: 'ms a finished connection may take to flush its last bytes before it is destroyed; with a threading or forking mixin, also for the connections its workers or children hold',
});

/** An idle-timeout option for a pool of runners (`idleTimeout` of threading and forking). */
export function idleTimeoutOption(doc: string) {
  return durationOption({ default: GRACE_MS, doc });
}

/** `blockOnClose`, Python's `block_on_close`. */
export const BLOCK_ON_CLOSE = booleanOption({
  default: true,
  doc: "Python's `block_on_close`: `serverClose()` waits for running requests; with `false` they finish in the background, as Python's non-daemon threads do (counted `detached` in the close report)",
});

/** `requestQueueSize` of a stream (listening) server. */
export const LISTEN_QUEUE_SIZE = integerOption({
  min: 1,
  default: osMaxBacklog,
  defaultText: "the OS maximum (`net.core.somaxconn`; 511 elsewhere), not Python's 5",
  doc: 'how many accepted connections may wait for the serve loop. They wait paused in a bounded queue; one arriving when it is full is reset at once (counted in `stats.refused`) instead of hanging. The kernel listen backlog is always the OS maximum, so a burst is refused by sockserve, not left in the kernel',
});

/** `requestQueueSize` of a datagram server. */
export const DATAGRAM_QUEUE_SIZE = integerOption({
  min: 1,
  default: 1024,
  doc: "datagrams that may wait in memory for the serve loop; when full, new ones are dropped and counted in `stats.refused` (a datagram server can't push back)",
});

/** `maxConnections` of a stream server. */
export const MAX_CONNECTIONS = integerOption({
  min: 1,
  defaultText: 'no limit',
  doc: 'connections open at once (waiting or being handled, here or in a worker or child), at most; more are reset at once and counted in `stats.refused`',
});

/** `maxConnectionsPerClient` of a stream server. */
export const MAX_CONNECTIONS_PER_CLIENT = integerOption({
  min: 1,
  defaultText: "no limit (Python's)",
  doc: 'connections one client (an IPv4 address, an IPv6 prefix of `perClientIpv6Prefix` bits) may hold open at once, waiting or being handled; more are reset at once, counted in `stats.refusedPerClient` and published on `sockserve:connection.refused` with reason `per-client-limit`. Not applied to Unix-domain clients (Node does not tell the peer uid)',
});

/** `perClientIpv6Prefix`: how many leading bits of an IPv6 address identify one client. */
export const PER_CLIENT_IPV6_PREFIX = integerOption({
  min: 1,
  max: 128,
  default: 64,
  doc: 'leading bits of an IPv6 address that identify one client for `maxConnectionsPerClient`: 64, the block one host or site is given, so a client cannot escape the cap by using many of its own addresses; 128 counts each address',
});

/** `maxPacketSize` of a datagram server, up to `max` bytes. */
export function maxPacketSizeOption(max: number) {
  return integerOption({
    min: 1,
    max,
    default: 8192,
    doc: `largest datagram handed to a handler (Python's \`max_packet_size\`, whose default is the same; at most ${max}). A larger one is dropped and counted in \`stats.oversized\` — Python would hand the handler a silently truncated prefix`,
  });
}

/** `recvBufferSize`: SO_RCVBUF. */
export const RECV_BUFFER_SIZE = integerOption({
  min: 1,
  defaultText: "the OS's",
  doc: 'SO_RCVBUF in bytes',
});

/** `sendBufferSize`: SO_SNDBUF. */
export const SEND_BUFFER_SIZE = integerOption({
  min: 1,
  defaultText: "the OS's",
  doc: 'SO_SNDBUF in bytes',
});

/** `allowReusePort`: SO_REUSEPORT. */
export const ALLOW_REUSE_PORT = booleanOption({
  default: false,
  doc: 'SO_REUSEPORT: several servers share one port and the kernel spreads the load (Node >= 22.12, Linux / BSD)',
});

/** `ipv6Only`: no dual stack. */
export const IPV6_ONLY = booleanOption({
  default: false,
  doc: "with an IPv6 host such as `'::'`, refuse IPv4 peers (no dual stack)",
});
