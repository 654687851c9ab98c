/**
 * The settings of the `NetListenerTransport` (see `net-listener-transport.ts`): where and how
 * it listens, its queue and connection limits, and how it reads addresses.
 */
import type { ListenOptions, Server, ServerOpts, Socket } from 'node:net';
import type { SocketAddress } from './address.js';
import type { ConnectionPreamble } from './connection-preamble.js';

/** How a `NetListenerTransport` listens; filled in by TCPServer / UnixStreamServer. */
export interface NetListenerConfig {
  /**
   * Passed to `server.listen()`; `backlog` is always the OS maximum (`osMaxBacklog()`).
   * `{ fd }` adopts an inherited listening socket (socket activation) instead of binding.
   */
  readonly listen: Omit<ListenOptions, 'backlog'> | { readonly fd: number };
  /** Passed to the server factory (`pauseOnConnect` and `allowHalfOpen` are always set). */
  readonly server?: ServerOpts;
  /**
   * Makes the listening server; default `net.createServer`. A TLS transport passes
   * `tls.createServer` (with its options bound), anything returning a `net.Server` works.
   */
  readonly createServer?: (options: ServerOpts) => Server;
  /**
   * Runs the `server.listen()` call, which binds synchronously; the Unix transport uses it to
   * hold a umask around the bind. Default: calls it.
   */
  readonly aroundListen?: (listen: () => void) => void;
  /** Connections that may wait for the serve loop; more are reset. */
  readonly queueCapacity: number;
  /** Connections open at once (queued or being handled), at most; more are reset at once. */
  readonly maxConnections?: number;
  /** Connections one client may hold open at once (queued or handled); see `per-client-limit.ts`. */
  readonly maxConnectionsPerClient?: number;
  /** Leading IPv6 bits that identify one client for `maxConnectionsPerClient` (default 64). */
  readonly perClientIpv6Prefix?: number;
  /** How long a closed request may take to flush its last bytes before it is destroyed (ms). */
  readonly closeTimeout: number;
  /** The address as the user gave it, for errors. */
  readonly describe: string;
  /** Reads the bound address once listening. */
  readonly serverAddress: (server: Server) => SocketAddress;
  /** Reads a client's address at accept time. */
  readonly clientAddress: (socket: Socket) => SocketAddress;
  /**
   * Runs on each connection before it is queued (a PROXY header; see `connection-preamble.ts`);
   * the connection counts toward `maxConnections` meanwhile.
   */
  readonly preamble?: ConnectionPreamble;
}
