/**
 * The concurrency-strategy contract: *where* and *how many at once* requests run — never how
 * a request ends. The server's request pipeline owns every request from the moment the
 * transport hands it over until it is released (`verifyRequest`, `shutdownRequest`,
 * `handleError`, counting, cutting); it gives a strategy a {@link RequestJob} and the
 * strategy runs it: in this process with `execute()`, or elsewhere (a worker thread, a child
 * process) with `executeElsewhere()` + `settle()`. A strategy never imports a transport.
 * Python's mixins override `process_request`; a sockserve strategy is that override as an
 * object, so it can be passed as an option or applied through a mixin.
 */
import type { SocketAddress } from './address.js';
import type { ServerConnectionUpgrade } from './connection-upgrade.js';
import type { HandlerSource } from './handler.js';
import type { ServerLogger } from './logger.js';
import type { ServerRunnerPreamble } from './runner-preamble.js';

/** What the server offers a strategy. */
export interface StrategyHost {
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
   * Optional: a step each stream connection goes through where its handler runs, before the
   * handler (TLS). A strategy running handlers elsewhere has its runners build their own.
   */
  readonly connectionUpgrade?: ServerConnectionUpgrade | undefined;
  /**
   * Optional: a connection preamble (a PROXY header, `parseIn: 'runner'`) a strategy running
   * handlers elsewhere has its runners run before the upgrade and the handler; see
   * `runner-preamble.ts`. In-process strategies ignore it (the transport runs the preamble).
   */
  readonly runnerPreamble?: ServerRunnerPreamble | undefined;
  /** The server's `logger` option, for a strategy's own warnings (a crash loop backing off). */
  readonly logger?: ServerLogger | undefined;
}

/** What the server can do to a request running elsewhere; given by the strategy that runs it. */
export interface RemoteStopper {
  /** Stop it now (a close ran out of time): its handler's `signal` aborts, its connection closes. */
  cut(reason: Error): void;
  /** The server is closing: its handler's `draining` aborts (finish the request in hand). */
  drain(): void;
}

/**
 * One accepted request, as the pipeline hands it to a strategy (Python's `process_request`
 * arguments). The strategy calls exactly one of {@link execute} or {@link executeElsewhere};
 * the pipeline then ends the request (`shutdownRequest`, or `handleError` first when it
 * failed), counts it and releases it.
 */
export interface RequestJob<TRequest = unknown> {
  readonly request: TRequest;
  readonly clientAddress: SocketAddress;
  /**
   * Runs the request in this process (Python's `finish_request` then `shutdown_request`,
   * with the error path) and resolves once it is released. Never rejects.
   */
  execute(): Promise<void>;
  /**
   * As {@link execute}, but calls `released` (once) instead of resolving a promise: a
   * strategy that only counts its requests keeps no promise per request. Optional: a job
   * without it is run with `execute()`.
   */
  executeThen?(released: () => void): void;
  /**
   * The request runs elsewhere: `stopper` is how the pipeline drains or cuts it. Call
   * {@link settle} once its handler ended there.
   */
  executeElsewhere(stopper: RemoteStopper): void;
  /**
   * Its handler ended elsewhere: `error` is what it raised (or why its runner lost it);
   * undefined when it succeeded. The pipeline ends the request. Never rejects.
   */
  settle(error?: unknown): Promise<void>;
}

/**
 * What `serverClose()` does with the requests a strategy is running: `'wait'` for them
 * (Python's `block_on_close`, within the close timeout); `'detach'` — don't wait, let them
 * finish in the background (`blockOnClose: false`, Python's non-daemon threads); `'abandon'`
 * — don't wait, cut them (Python's `daemon_threads`).
 */
export type CloseMode = 'wait' | 'detach' | 'abandon';

/** A concurrency strategy. See `SequentialStrategy` and `AsyncStrategy` for the two built in. */
export interface ConcurrencyStrategy<TRequest = unknown> {
  /** A short name for logs and errors: `sequential`, `async`, `threading`, `forking`. */
  readonly name: string;
  /** What `serverClose()` does with running requests; `'wait'` when omitted. */
  readonly closeMode?: CloseMode;
  /**
   * Called once, before the first request: load handlers, start pools. A handler that
   * cannot run under this strategy must fail here, not at the first request.
   */
  start(host: StrategyHost): Promise<void>;
  /**
   * Optional: resolves when the strategy can take another request (a free slot, a free
   * worker), or at once when `signal` aborts. The serve loop awaits it *before* it takes the
   * next request, so no accepted request is held while the strategy is full.
   */
  waitForSlot?(signal?: AbortSignal): Promise<void>;
  /**
   * Optional, with {@link waitForSlot}: true when `waitForSlot()` would resolve at once. The
   * serve loop then skips that promise (one fewer turn per request on its fast path).
   */
  hasFreeSlot?(): boolean;
  /**
   * Optional: false refuses this request before it runs — ended as when `verifyRequest()`
   * returns false, counted `refused` (the remote strategies refuse a client whose requests
   * keep crashing their runners). Asked by `processRequest()`'s default, just before `run`.
   */
  admit?(clientAddress: SocketAddress): boolean;
  /**
   * Runs one request: calls `job.execute()` here or `job.executeElsewhere()` (Python's
   * `process_request`). Resolves when the strategy is ready for the next request: after the
   * request for a sequential strategy, once it started for a concurrent one. A rejection
   * before the job was executed takes the pipeline's error path for this request.
   */
  run(job: RequestJob<TRequest>): Promise<void>;
  /** Requests running now. */
  readonly active: number;
  /**
   * Optional: true when this strategy runs handlers in another thread or process (threading,
   * forking: `RemoteStrategy`). A transport then leaves to the runner what must happen where
   * the handler runs — the TLS handshake, a PROXY header with `parseIn: 'runner'` — and gives
   * it the raw connection. Absent or false: handlers run in the server's process, which does
   * both itself. No Python counterpart (Python's threads share the process, its children fork it).
   */
  readonly runsRequestsElsewhere?: boolean;
  /**
   * Optional: the server's connection upgrade has new settings (a certificate reload); a
   * strategy running handlers elsewhere sends them to every runner, and to those it starts.
   */
  updateConnectionUpgrade?(settings: unknown): void;
  /**
   * Optional: the server stops accepting (its close began). A strategy whose runners accept
   * from the server's listening socket themselves (forking's `acceptIn: 'children'`) stops
   * them and returns a promise that resolves once every connection they accepted before the
   * stop has reached the transport (`accepted-elsewhere.ts`): the close waits for it in every
   * close mode and serves those connections (cuts them with `'abandon'`), so each is counted
   * and none is lost with a runner the close stops. Undefined: no runner accepts.
   */
  stopAccepting?(): Promise<void> | undefined;
  /**
   * Stops the strategy once the server has no request left to give it (pools stop; runners
   * still busy with detached requests finish them first). Cutting and waiting are the
   * server's: it calls this after the requests it waits for ended.
   */
  close(): Promise<void>;
}
