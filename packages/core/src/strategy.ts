/**
 * The concurrency-strategy contract: *where* and *how many at once* requests run. A strategy
 * never imports a transport; it gets requests from the server through {@link StrategyHost}.
 * Python's mixins override `process_request`; a sockserve strategy is that override as an
 * object, so it can be passed as an option or applied through a mixin.
 */
import type { SocketAddress } from './address.js';
import type { HandlerSource } from './handler.js';

/** What the server offers a strategy. */
export interface StrategyHost<TRequest = unknown> {
  /** The handler as the user gave it (a class or a module reference). */
  readonly handler: HandlerSource;
  /** The transport's kind, for strategies that treat streams and datagrams differently. */
  readonly transportKind: 'stream' | 'datagram';
  /** The bound address (for handlers' `this.server` in other threads and processes). */
  readonly serverAddress: SocketAddress;
  /** The server's `requestTimeout` (ms or null), for strategies that run handlers elsewhere. */
  readonly requestTimeout: number | null;
  /** Stops the serve loop (a handler elsewhere called `this.server.shutdown()`). */
  shutdown(): Promise<void>;
  /**
   * Python's `process_request` body, in this process: `finishRequest` then
   * `shutdownRequest`. Errors are thrown to the caller.
   */
  runRequest(request: TRequest, clientAddress: SocketAddress): Promise<void>;
  /**
   * The same, with the server's error path applied (`handleError` then `shutdownRequest`,
   * or a stop of the serve loop for a {@link ServerExit}). Never rejects.
   */
  runRequestGuarded(request: TRequest, clientAddress: SocketAddress): Promise<void>;
  /**
   * A request whose handler ran elsewhere finished: `shutdownRequest` when it succeeded, the
   * server's error path when `error` is given. Never rejects.
   */
  requestFinished(request: TRequest, clientAddress: SocketAddress, error?: unknown): Promise<void>;
}

/** A concurrency strategy. See `SequentialStrategy` and `AsyncStrategy` for the two built in. */
export interface ConcurrencyStrategy<TRequest = unknown> {
  /** A short name for logs and errors: `sequential`, `async`, `threading`, `forking`. */
  readonly name: string;
  /**
   * Called once, before the first request: load handlers, start pools. A handler that
   * cannot run under this strategy must fail here, not at the first request.
   */
  start(host: StrategyHost<TRequest>): Promise<void>;
  /**
   * Optional: resolves when the strategy can take another request (a free slot, a free
   * worker), or at once when `signal` aborts. The serve loop awaits it *before* it takes the
   * next request, so no accepted request is held while the strategy is full.
   */
  waitForSlot?(signal?: AbortSignal): Promise<void>;
  /**
   * Runs one request (Python's `process_request`). Resolves when the strategy is ready for the
   * next request: after the request for a sequential strategy, once it started for a
   * concurrent one. A rejection goes through the server's error path for this request.
   */
  dispatch(request: TRequest, clientAddress: SocketAddress): Promise<void>;
  /** Requests running now. */
  readonly active: number;
  /**
   * Stops the strategy (Python's `server_close` part of the mixins). With `wait` it resolves
   * after running requests finished (Python's `block_on_close`); without, at once. The server
   * passes `wait: false` when it is closed from inside one of its own handlers.
   */
  close(options: { wait: boolean }): Promise<void>;
}
