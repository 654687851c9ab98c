/**
 * `BaseServer`: Python's `socketserver.BaseServer` lifecycle over a {@link ServerTransport}
 * and a {@link ConcurrencyStrategy}. Subclasses (TCPServer, UDPServer, …) supply the
 * transport; the strategy comes from the `strategy` option or a mixin.
 */
import type { SocketAddress } from './address.js';
import type { CloseReport, ServerCloseOptions } from './close-report.js';
import type { DrainOptions, ServerHealth } from './drain.js';
import { ServerStateError } from './errors.js';
import { checkHandlerSource, type HandlerSource } from './handler.js';
import { assertNotInRunner } from './nested-server-guard.js';
import {
  BASE_SERVER_OPTIONS,
  type BaseServerOptions,
  type ServerLogger,
} from './options/base-server-options.js';
import type { AnyOptionSet, ResolvedOptions } from './options/option-set.js';
import { reportRequestError } from './report-error.js';
import { unshareRequestScope } from './request-scope.js';
import { SequentialStrategy } from './sequential-strategy.js';
import type { ServeForeverOptions } from './serve-loop.js';
import { closeServer, drainServer } from './server-close.js';
import { ServerCore } from './server-core.js';
import { handleOneRequest, serveForever, shutdownServer } from './server-serve.js';
import { activateServer, bindAndActivate, bindServer } from './server-start.js';
import type { ConcurrencyStrategy, StrategyHost } from './strategy.js';
import type { ServerTransport, TransportStats } from './transport.js';

export type { CloseReport, ServerCloseOptions } from './close-report.js';
export type { DrainOptions, ServerHealth } from './drain.js';
export {
  BASE_SERVER_OPTIONS,
  type BaseServerOptions,
  type ServerLogger,
} from './options/base-server-options.js';
export type { ServeForeverOptions } from './serve-loop.js';

/**
 * Python's `BaseServer`. Owns the lifecycle: bind, activate, the serve loop, shutdown and
 * close. Each request goes through the server's request pipeline: `verifyRequest` →
 * `processRequest` → `finishRequest` → `shutdownRequest`, with `handleError` on failure.
 * Override any of them, as in Python. (The state and the steps behind these methods are in
 * `server-core.ts` and the `server-start`, `server-serve` and `server-close` modules.)
 */
export abstract class BaseServer<TRequest = unknown> implements StrategyHost, AsyncDisposable {
  /**
   * The options this server class takes, declared once. A transport's server extends
   * `serverWithOptions(TCP_OPTIONS)` (`@sockserve/core/kit`), which composes its own with
   * these and passes its set to the constructor, which checks the whole bag before anything
   * is bound.
   */
  static readonly options: AnyOptionSet = BASE_SERVER_OPTIONS;

  /** Python's `RequestHandlerClass`: the handler class or a module reference to one. */
  readonly handler: HandlerSource;
  /** Where and how many requests run at once. */
  readonly strategy: ConcurrencyStrategy<TRequest>;
  /** `handleRequest()` timeout in ms, or `null`; Python's `timeout`. */
  timeout: number | null;
  /** The `requestTimeout` option: ms one request may run, or `null` (see `BASE_SERVER_OPTIONS`). */
  requestTimeout: number | null;
  /** The `logger` option: where the default `handleError()` reports (see `BASE_SERVER_OPTIONS`). */
  logger: ServerLogger | undefined;

  readonly #core: ServerCore<TRequest>;

  /**
   * `own`: the subclass's declared options (`TCP_OPTIONS`). The whole bag — these and the
   * base's — is checked here, before the bind is scheduled, and `own`'s values become fields.
   */
  constructor(
    handler: HandlerSource,
    options: BaseServerOptions<TRequest> = {},
    own?: AnyOptionSet,
  ) {
    assertNotInRunner('cannot create a server');
    const base: ResolvedOptions<typeof BASE_SERVER_OPTIONS.specs> =
      own === undefined
        ? BASE_SERVER_OPTIONS.read(options)
        : BASE_SERVER_OPTIONS.with(own.where, own).resolve(options);
    own?.assign(this, base);
    this.handler = checkHandlerSource(handler);
    this.timeout = base.timeout;
    this.requestTimeout = base.requestTimeout;
    this.logger = base.logger;
    this.strategy = base.strategy ?? new SequentialStrategy<TRequest>();
    if (!base.sharedRequestScope) unshareRequestScope(this);
    this.#core = new ServerCore(this, this.strategy, base.bindAndActivate, () =>
      this.createTransport(),
    );
    if (base.bindAndActivate) {
      // Deferred a microtask so subclass fields (Python's class attributes) are set first.
      queueMicrotask(() => void bindAndActivate(this.#core));
    }
  }

  /**
   * Binds, activates and returns a ready server: the async form of Python's constructor.
   * Rejects (and leaves nothing open) when binding or starting the strategy fails.
   */
  // biome-ignore lint/suspicious/noExplicitAny: any request type; T keeps the subclass.
  static async create<T extends BaseServer<any>, A extends unknown[]>(
    this: new (
      ...args: A
    ) => T,
    ...args: A
  ): Promise<T> {
    return new this(...args).ready;
  }

  /** The transport for this server; called once, by `serverBind()`. */
  protected abstract createTransport(): ServerTransport<TRequest>;

  /** Resolves with the server once it is bound and active; rejects if that failed. */
  get ready(): Promise<this> {
    return this.#core.life.activated.promise.then(() => this);
  }

  /** Python's `server_address`: the real bound address (port 0 resolved). */
  get serverAddress(): SocketAddress {
    const address = this.#core.address;
    if (address === undefined) {
      throw new ServerStateError(
        'serverAddress is not known: the server is not bound (await server.ready)',
      );
    }
    return address;
  }

  /** `'stream'` or `'datagram'`. */
  get transportKind(): 'stream' | 'datagram' {
    const transport = this.#core.transport;
    if (transport === undefined) throw new ServerStateError('the server is not bound yet');
    return transport.kind;
  }

  /** The transport's counters: requests accepted, refused (queue full), oversized, dropped. */
  get stats(): Readonly<TransportStats> {
    return this.#core.transport?.stats ?? { accepted: 0, refused: 0, oversized: 0, dropped: 0 };
  }

  /**
   * Requests begun and not yet ended (verifying, queued for, or running under the strategy, here
   * or in a worker or child; ending). A gauge for metrics: reading it is a `Map.size`. Not in
   * `stats`, which are the transport's counters and know nothing of requests once handed over.
   */
  get inFlight(): number {
    return this.#core.pipeline.size;
  }

  /**
   * Where the server is in its life for health checks (agent-check, readiness): `starting`,
   * `ready`, `draining` (once `drain()` or `serverClose()` began), `stopped`. No Python
   * counterpart.
   */
  get health(): ServerHealth {
    return this.#core.health;
  }

  /** The transport, once bound (for subclasses and strategies that need its counters). */
  protected get transport(): ServerTransport<TRequest> | undefined {
    return this.#core.transport;
  }

  /** Python's `server_bind()`. Rejects with `BindError` and leaves nothing open on failure. */
  serverBind(): Promise<void> {
    return bindServer(this.#core);
  }

  /** Python's `server_activate()`: starts the strategy (handlers load now), then takes requests. */
  serverActivate(): Promise<void> {
    return activateServer(this.#core);
  }

  /** Python's `fileno()`: the listening descriptor, where Node exposes it. */
  fileno(): number | undefined {
    return this.#core.transport?.fileno();
  }

  /**
   * Python's `serve_forever()`: handles requests until `shutdown()` (or `serverClose()`).
   * Resolves once the loop stopped; rejects with a {@link ServerExit} or an error that
   * `handleError()` rethrew.
   */
  serveForever(options: ServeForeverOptions = {}): Promise<void> {
    return serveForever(this.#core, options);
  }

  /**
   * Python's `handle_request()`: handles one request, or calls `handleTimeout()` when none
   * came within `timeout` ms (one fixed deadline).
   */
  handleRequest(): Promise<void> {
    return handleOneRequest(this.#core);
  }

  /** Python's `handle_timeout()`: called when `handleRequest()` timed out. Does nothing. */
  handleTimeout(): void | Promise<void> {}

  /**
   * Python's `shutdown()`: stops `serveForever()` and resolves once it returned. Unlike
   * Python it is safe before `serveForever()` (resolves at once), twice, and from inside a
   * handler of this server (it then resolves at once; the loop ends when the handler returns).
   */
  shutdown(): Promise<void> {
    return shutdownServer(this.#core);
  }

  /**
   * Python's `server_close()`: stops listening, serves the requests already accepted (running
   * and queued) within `timeout` ms, cuts what is left after it, and releases everything.
   * Resolves with how every accepted request ended ({@link CloseReport}). A second call
   * shares the first one's report; a shorter `timeout` brings its deadline forward.
   */
  serverClose(options: ServerCloseOptions = {}): Promise<CloseReport> {
    return closeServer(this.#core, options);
  }

  /**
   * Stops the way a load balancer needs (Python has no drain): reports `draining` in
   * {@link health} at once, keeps accepting for `delay` ms, then closes as
   * `serverClose({ timeout })` does and resolves with its report. See `./drain.ts`. A second
   * call shares the first one's report.
   */
  drain(options: DrainOptions = {}): Promise<CloseReport> {
    return drainServer(this.#core, options);
  }

  /** `await using server = …` closes it. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.serverClose();
  }

  /** Python's `verify_request()`: return false to refuse a request. True by default. */
  verifyRequest(_request: TRequest, _clientAddress: SocketAddress): boolean | Promise<boolean> {
    return true;
  }

  /** Python's `process_request()`: hands the request to the strategy. */
  processRequest(request: TRequest, clientAddress: SocketAddress): Promise<void> {
    return this.#core.pipeline.dispatch(request, clientAddress);
  }

  /** Python's `finish_request()`: runs the handler on the request, in this process. */
  finishRequest(request: TRequest, clientAddress: SocketAddress): Promise<void> {
    return this.#core.pipeline.runHandler(request, clientAddress, this);
  }

  /**
   * Python's `shutdown_request()`: ends the request cleanly, then `closeRequest()`. Returns a
   * promise only when the transport's side is asynchronous (overrides may be `async`).
   */
  shutdownRequest(request: TRequest): void | Promise<void> {
    const transport = this.#core.transport;
    if (transport === undefined) return;
    const ended = transport.shutdownRequest(request);
    if (ended !== undefined) return ended.then(() => this.closeRequest(request));
    return this.closeRequest(request);
  }

  /** Python's `close_request()`: releases the request. */
  closeRequest(request: TRequest): void | Promise<void> {
    return this.#core.transport?.closeRequest(request);
  }

  /**
   * Python's `handle_error()`: by default prints the client address and the stack to stderr
   * (or hands them to `logger.error`) and the server goes on. Throw from an override to stop
   * `serveForever()` with that error.
   */
  handleError(
    _request: TRequest,
    clientAddress: SocketAddress,
    error: unknown,
  ): void | Promise<void> {
    reportRequestError(clientAddress, error, this.logger);
  }

  /** Python's `service_actions()`: runs after each request and every `pollInterval` when idle. */
  serviceActions(): void | Promise<void> {}
}
