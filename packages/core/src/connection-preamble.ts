/**
 * The connection preamble: what a stream transport reads from a connection before it becomes
 * a request — a PROXY header today, a TLS handshake tomorrow. It runs per connection as soon
 * as the connection is accepted, off the serve loop and before the request queue, and the
 * connection counts toward `maxConnections` meanwhile. It may refuse the connection (closed,
 * counted in `stats.<name>Rejected`, published on `sockserve:<name>.rejected` with a reason),
 * replace the client's address, attach facts to the request (`requestInfo`), and hand back
 * bytes it read past its end (put back in front of the socket's next read; a worker or child
 * gets them with the socket). Python's `socketserver` has none.
 */
import diagnostics from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import type { SocketAddress } from './address.js';
import type { RequestInfo } from './request-info.js';

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
   * when done) and decides. `clientAddress` is the socket's peer. `signal` aborts when the
   * server closes: settle at once (the socket is then destroyed by the transport).
   * Must not throw; a rejection is treated as a refusal with reason `error`.
   */
  run(socket: Socket, clientAddress: SocketAddress, signal: AbortSignal): Promise<PreambleOutcome>;
}

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
