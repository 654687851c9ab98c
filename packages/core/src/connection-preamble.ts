/**
 * The connection preamble: what a stream transport reads from a connection before it becomes
 * a request — a PROXY header today, a TLS handshake tomorrow. It runs per connection as soon
 * as the connection is accepted, off the serve loop and before the request queue, and the
 * connection counts toward `maxConnections` meanwhile. It may refuse the connection (closed,
 * counted in `stats.<name>Rejected`, published on `sockserve:<name>.rejected` with a reason),
 * replace the client's address, attach facts to the request (`requestInfo`), and hand back
 * bytes it read past its end (held for the connection's next reader, the socket not reading
 * meanwhile: connection-preamble-head.ts; a worker or child gets them with the socket).
 * Python's `socketserver` has none.
 */
import diagnostics from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import type { SocketAddress } from './address.js';
import { holdConnectionHead, keepConnectionHead } from './connection-preamble-head.js';
import { publish } from './diagnostics.js';
import { attachRequestInfo, type RequestInfo } from './request-info.js';
import type { TransportStats } from './transport.js';

/** What a preamble decided about one connection. */
export type PreambleOutcome =
  | {
      readonly accept: true;
      /** The client's address from here on (default: the socket's peer). */
      readonly clientAddress?: SocketAddress;
      /** Facts for the handler (`requestInfo(request)`), plain data. */
      readonly info?: RequestInfo;
      /** Bytes read past the preamble: the start of the client's data. */
      readonly rest?: Buffer;
      /** A health check (a PROXY LOCAL header): served, and counted in `stats.<name>HealthChecks`. */
      readonly healthCheck?: boolean;
    }
  | {
      readonly accept: false;
      /** A stable reason string (`untrusted`, `timeout`, `bad-signature`, …). */
      readonly reason: string;
      /** The error behind it, when there is one (a parse error). */
      readonly error?: Error;
      /**
       * A connection that ended before sending anything (a health checker's connect-and-close):
       * normal, counted in `stats.<name>HealthChecks`, not in `<name>Rejected`, not published.
       */
      readonly healthCheck?: boolean;
    };

/** A per-connection step run before a connection becomes a request; see the module comment. */
export interface ConnectionPreamble {
  /** Names its counters (`stats.proxyRejected`) and channel (`sockserve:proxy.rejected`). */
  readonly name: string;
  /**
   * Reads what it needs from `socket` (accepted paused; resume it to read, pause it again
   * when done) and decides. `clientAddress` is the socket's peer. When the server stops
   * accepting, `signal` aborts and the transport destroys the socket (so a preamble waiting
   * on the socket's `'close'` needs no abort listener: EventTarget listeners cost per
   * connection); the connection is then counted in `stats.<name>Rejected` with reason
   * `closing`, whatever the preamble settles with (unless {@link countsOwnClose} says the
   * preamble counts it). Must not throw; a rejection is treated as
   * a refusal with reason `error`.
   */
  run(socket: Socket, clientAddress: SocketAddress, signal: AbortSignal): Promise<PreambleOutcome>;
  /**
   * Optional, asked when the server stops accepting with `socket` still in this preamble:
   * true when the preamble counts and publishes that cut itself (the TLS handshake counts it
   * as `handshakeFailed`, reason `closed`), so the listener does not count it again as
   * `<name>Rejected`; it still resets the connection. Absent or false: counted as above.
   */
  countsOwnClose?(socket: Socket): boolean;
  /**
   * Optional: the same as {@link run} without a promise per connection — the listener calls
   * this when it is there, and `settle(socket, outcome)` must be called exactly once (it may
   * be called before `start` returns). `settle` is the listener's one function, the same for
   * every connection (no closure per connection). A preamble that wraps another (TLS after
   * PROXY) may keep calling the other's `run`.
   */
  start?(socket: Socket, clientAddress: SocketAddress, settle: PreambleSettle): void;
  /**
   * Optional, with {@link start}: the connections this preamble is running now (started, not
   * yet settled), with the `clientAddress` each was started with. A preamble that has it
   * passes that address as `settle`'s third argument, and the listener then keeps no record
   * of its own per connection (issue 14: a `Map` set and delete per proxied connection); it
   * asks only when the server stops accepting.
   */
  running?(): Iterable<readonly [Socket, SocketAddress]>;
}

/**
 * What {@link ConnectionPreamble.start} reports to, once per connection; `peer` is the
 * `clientAddress` the connection was started with (required of a preamble with `running`).
 */
export type PreambleSettle = (
  socket: Socket,
  outcome: PreambleOutcome,
  peer?: SocketAddress,
) => void;

const rejectedChannels = new Map<string, diagnostics.Channel>();

/** `sockserve:<name>.rejected`: `{ address, clientAddress, reason, error }`. */
export function preambleRejectedChannel(name: string): diagnostics.Channel {
  let channel = rejectedChannels.get(name);
  if (channel === undefined) {
    channel = diagnostics.channel(`sockserve:${name}.rejected`);
    rejectedChannels.set(name, channel);
  }
  return channel;
}

/**
 * @internal What the listener does with a connection once its preamble decided. One per
 * listener, not per connection (no closures per connection).
 */
export interface PreambleSink {
  /** The listener's counters (`<name>Rejected`, `<name>HealthChecks` are added to them). */
  readonly stats: TransportStats;
  /** The listener's bound address, for the published message. */
  address(): SocketAddress | undefined;
  /** Accepted: queue it (or refuse it on the listener's own limits) as `client`. */
  admit(socket: Socket, client: SocketAddress): void;
  /** Refused, or the server is closing: release its counts and reset it. */
  drop(socket: Socket): void;
}

/**
 * @internal Runs `preamble` on an accepted connection and acts on the outcome: put the bytes
 * read past it back, attach its facts, hand it to `sink.admit`; or drop it, count it and
 * publish why. A connection whose server stopped accepting meanwhile is dropped uncounted.
 */
export async function runPreamble(
  preamble: ConnectionPreamble,
  socket: Socket,
  peer: SocketAddress,
  signal: AbortSignal,
  sink: PreambleSink,
): Promise<void> {
  let outcome: PreambleOutcome;
  try {
    outcome = await preamble.run(socket, peer, signal);
  } catch (error) {
    outcome = { accept: false, reason: 'error', error: error as Error };
  }
  settlePreamble(preamble.name, socket, peer, signal, sink, outcome);
}

/**
 * @internal Acts on a preamble's `outcome` for `socket` (see {@link runPreamble}): what the
 * promise form does after its `await`, and what a {@link ConnectionPreamble.start} settles to.
 */
export function settlePreamble(
  name: string,
  socket: Socket,
  peer: SocketAddress,
  signal: AbortSignal,
  sink: PreambleSink,
  outcome: PreambleOutcome,
): void {
  // No closure per connection here: this runs for every connection behind a preamble.
  if (outcome.accept && !signal.aborted && !socket.destroyed) {
    if (outcome.healthCheck === true) countPreamble(sink.stats, name, 'HealthChecks');
    const rest = outcome.rest;
    const holds = rest !== undefined && rest.length > 0;
    if (holds) holdConnectionHead(socket, rest);
    if (outcome.info !== undefined) attachRequestInfo(socket, outcome.info);
    sink.admit(socket, outcome.clientAddress ?? peer);
    // A handler that started reading in admit took them; otherwise the socket waits.
    if (holds) keepConnectionHead(socket);
    return;
  }
  sink.drop(socket);
  // Closing: the transport counted it already (preambleClosing); or the client left.
  if (signal.aborted || outcome.accept) return;
  countPreamble(sink.stats, name, outcome.healthCheck === true ? 'HealthChecks' : 'Rejected');
  if (outcome.healthCheck === true) return;
  publishRejected(name, sink.address(), peer, outcome.reason, outcome.error);
}

/**
 * @internal The server stopped accepting while a connection's preamble was still running
 * (a PROXY header still arriving): counted in `stats.<name>Rejected` and published with
 * reason `closing` — before, such a connection vanished from every counter. The transport
 * destroys the socket after this.
 */
export function preambleClosing(
  name: string,
  stats: TransportStats,
  address: SocketAddress | undefined,
  peer: SocketAddress,
): void {
  countPreamble(stats, name, 'Rejected');
  publishRejected(name, address, peer, 'closing', undefined);
}

/**
 * Counts (and publishes) a preamble's outcome decided elsewhere — in the worker or child that
 * runs the handler (see `runner-preamble.ts`) — as `settlePreamble` does for one decided
 * here: a health check in `stats.<name>HealthChecks`; a refusal in `stats.<name>Rejected` and
 * on `sockserve:<name>.rejected` with `peer`, `reason` and `error`.
 */
export function countPreambleElsewhere(
  name: string,
  stats: TransportStats,
  address: SocketAddress | undefined,
  peer: SocketAddress,
  outcome: {
    readonly accept: boolean;
    readonly reason?: string | undefined;
    readonly error?: Error | undefined;
    readonly healthCheck?: boolean | undefined;
  },
): void {
  if (outcome.healthCheck === true) {
    countPreamble(stats, name, 'HealthChecks');
    return;
  }
  if (outcome.accept) return;
  countPreamble(stats, name, 'Rejected');
  publishRejected(name, address, peer, outcome.reason ?? 'error', outcome.error);
}

function countPreamble(
  stats: TransportStats,
  name: string,
  counter: 'Rejected' | 'HealthChecks',
): void {
  const counters = stats as unknown as Record<string, number>;
  const key = `${name}${counter}`;
  counters[key] = (counters[key] ?? 0) + 1;
}

function publishRejected(
  name: string,
  address: SocketAddress | undefined,
  clientAddress: SocketAddress,
  reason: string,
  error: Error | undefined,
): void {
  publish(preambleRejectedChannel(name), () => ({ address, clientAddress, reason, error }));
}
