/**
 * The transport contract: what a server needs from TCP, UDP, Unix stream or Unix datagram.
 * Transports implement it; `BaseServer` and the strategies only ever see this interface.
 * Python spreads the same duties over `server_bind`, `server_activate`, `get_request`,
 * `shutdown_request`, `close_request`, `server_close` and `fileno`.
 */
import type { Duplex } from 'node:stream';
import type { SocketAddress } from './address.js';

/** One request as a transport hands it over: Python's `(request, client_address)`. */
export interface IncomingRequest<TRequest> {
  readonly request: TRequest;
  readonly clientAddress: SocketAddress;
}

/**
 * A request on a stream transport: a connected byte stream (a `net.Socket` for TCP and Unix
 * stream; a relayed `Duplex` under strategies that move the bytes elsewhere). Programmed
 * against `Duplex`, so handlers run on any of them.
 */
export type StreamRequest = Duplex;

/**
 * A request on a datagram transport: Python's `(data, socket)` pair. `reply()` sends one
 * datagram back to the client from the server's own address.
 */
export interface DatagramRequest {
  /** The datagram's payload. */
  readonly data: Buffer;
  /** False when the sender has no address (an unbound Unix datagram socket). */
  readonly canReply: boolean;
  /**
   * Sends `data` to the client that sent this datagram. Rejects with `UnanswerableError`
   * when `canReply` is false, or with the system error when sending fails.
   */
  reply(data: Uint8Array): Promise<void>;
  /**
   * Optional: {@link reply} by callback, without a promise — `done(null)` once the system took
   * the datagram, `done(error)` when it could not (never a throw). The pipeline's
   * `DatagramRequestHandler` uses it when the transport has it.
   */
  replyThen?(data: Uint8Array, done: (error?: Error | null) => void): void;
}

/** Counters every transport keeps; see {@link ServerTransport.stats}. */
export interface TransportStats {
  /** Requests accepted (connections or datagrams) since bind. */
  accepted: number;
  /** Requests refused because the request queue was full (never accepted, so not in `accepted`). */
  refused: number;
  /**
   * Requests accepted and then released unserved by the server's close: still queued when the
   * close timeout ran out (or when the close could not wait). Counted in `accepted` too.
   */
  dropped: number;
  /** Datagrams dropped because they were larger than `maxPacketSize` (datagram transports). */
  oversized: number;
  /**
   * Connections shed because the process was out of file descriptors (EMFILE / ENFILE):
   * reset at once and never handed to the server (stream transports; absent elsewhere).
   */
  shed?: number;
  /**
   * Connections reset at accept because their client already held `maxConnectionsPerClient`
   * open (stream transports; not counted in `refused`, which is about the server's own limits).
   */
  refusedPerClient?: number;
  /**
   * Connections closed because their TLS handshake failed or stalled (`@sockserve/tls`; absent
   * elsewhere). Counted in `accepted` too; they never reached a handler.
   */
  handshakeFailed?: number;
  /**
   * Connections closed by the `proxyProtocol` preamble: an untrusted peer, a malformed
   * header, none within `headerTimeout` (each also published on `sockserve:proxy.rejected`).
   * Never in `accepted`. Present on servers with `proxyProtocol`.
   */
  proxyRejected?: number;
  /**
   * Health checks from a trusted proxy: connections that ended before sending a byte (a
   * checker's connect-and-close; closed, not an error) and LOCAL headers (served as requests
   * with the socket's own addresses, and counted here too).
   */
  proxyHealthChecks?: number;
}

/** The transport side of a server. Implemented by `@sockserve/tcp`, `udp`, `unix`. */
export interface ServerTransport<TRequest> {
  /** `'stream'` (connections) or `'datagram'` (one request per datagram). */
  readonly kind: 'stream' | 'datagram';
  /** Binds the address; Python's `server_bind()`. Rejects with `BindError`, leaking nothing. */
  bind(): Promise<void>;
  /** Starts taking requests; Python's `server_activate()`. */
  activate(): Promise<void>;
  /** The bound address (the real port when 0 was asked); throws before `bind()`. */
  readonly address: SocketAddress;
  /** The next request, or `undefined` once closed or when `signal` aborts. */
  take(signal?: AbortSignal): Promise<IncomingRequest<TRequest> | undefined>;
  /**
   * Optional: {@link take} without a promise, the serve loop's fast path. A request waiting
   * now is returned. Otherwise it returns `undefined` and calls `onNext` later, once —
   * synchronously from the event that brought the next request (so it starts without a
   * queue or a promise round-trip), or with `undefined` when `take()` would have resolved
   * `undefined` (already before returning, when that is the case now). When taking fails
   * (the error `take()` would have rejected with), it calls `onError` instead, once.
   */
  takeNext?(
    onNext: (incoming: IncomingRequest<TRequest> | undefined) => void,
    signal?: AbortSignal,
    onError?: (error: unknown) => void,
  ): IncomingRequest<TRequest> | undefined;
  /** Ends a request cleanly; Python's `shutdown_request()` (calls `closeRequest`). */
  shutdownRequest(request: TRequest): void | Promise<void>;
  /** Releases a request; Python's `close_request()`. */
  closeRequest(request: TRequest): void | Promise<void>;
  /**
   * Optional: stops accepting new requests (the listener closes) while those already queued
   * stay and are still handed out by `take()`, which then returns `undefined` once the queue
   * is empty. A graceful close serves them before `close()`.
   */
  stopAccepting?(): void;
  /**
   * Releases everything; Python's `server_close()`: stops listening if still listening,
   * drops the requests still queued (counted in `stats.dropped`), frees lingering ones.
   */
  close(): Promise<void>;
  /** The listening descriptor where Node exposes one. */
  fileno(): number | undefined;
  /** Live counters. */
  readonly stats: Readonly<TransportStats>;
}
