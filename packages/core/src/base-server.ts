/**
 * `BaseServer`: Python's `socketserver.BaseServer` lifecycle over a {@link ServerTransport}
 * and a {@link ConcurrencyStrategy}. Subclasses (TCPServer, UDPServer, …) supply the
 * transport; the strategy comes from the `strategy` option or a mixin.
 */
import type { SocketAddress } from './address.js';
import { CloseDeadline } from './close-deadline.js';
import type { CloseReport, ServerCloseOptions } from './close-report.js';
import { closeRequests } from './close-requests.js';
import { channels, publish } from './diagnostics.js';
import { Drain, type DrainOptions, readDrainOptions, type ServerHealth } from './drain.js';
import { ServerStateError } from './errors.js';
import { checkHandlerSource, type HandlerSource, resolveHandler } from './handler.js';
import { assertNotInRunner } from './nested-server-guard.js';
import {
  BASE_SERVER_OPTIONS,
  type BaseServerOptions,
  type ServerLogger,
} from './options/base-server-options.js';
import type { AnyOptionSet, ResolvedOptions } from './options/option-set.js';
import { reportRequestError } from './report-error.js';
import { isInRequestOf } from './request-context.js';
import { RequestPipeline } from './request-pipeline.js';
import { SequentialStrategy } from './sequential-strategy.js';
import { type ServeForeverOptions, ServeLoop, takeOneRequest } from './serve-loop.js';
import { ServerLifecycle } from './server-lifecycle.js';
import type { ConcurrencyStrategy, StrategyHost } from './strategy.js';
import type { ServerTransport, TransportStats } from './transport.js';
import { optionalTimeout } from './validate.js';

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
 * Override any of them, as in Python.
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

  readonly #life: ServerLifecycle;
  #transport: ServerTransport<TRequest> | undefined;
  /** The bound address, kept after close (readable as in Python). */
  #address: SocketAddress | undefined;
  readonly #pipeline: RequestPipeline<TRequest>;
  #loop: ServeLoop | undefined;
  #fatal: { error: unknown } | undefined;
  #closing: { readonly deadline: CloseDeadline; readonly report: Promise<CloseReport> } | undefined;
  #drain: Drain | undefined;

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
    this.#life = new ServerLifecycle(base.bindAndActivate);

    this.#pipeline = new RequestPipeline(
      this,
      this.strategy,
      (fatal) => this.#stopWithError(fatal),
      () => this.requestTimeout,
    );
    if (this.#life.autoBind) {
      // Deferred a microtask so subclass fields (Python's class attributes) are set first.
      queueMicrotask(() => void this.#bindAndActivate());
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
    return this.#life.activated.promise.then(() => this);
  }

  /** Python's `server_address`: the real bound address (port 0 resolved). */
  get serverAddress(): SocketAddress {
    if (this.#address === undefined) {
      throw new ServerStateError(
        'serverAddress is not known: the server is not bound (await server.ready)',
      );
    }
    return this.#address;
  }

  /** `'stream'` or `'datagram'`. */
  get transportKind(): 'stream' | 'datagram' {
    if (this.#transport === undefined) throw new ServerStateError('the server is not bound yet');
    return this.#transport.kind;
  }

  /** The transport's counters: requests accepted, refused (queue full), oversized, dropped. */
  get stats(): Readonly<TransportStats> {
    return this.#transport?.stats ?? { accepted: 0, refused: 0, oversized: 0, dropped: 0 };
  }

  /**
   * Requests begun and not yet ended (verifying, queued for, or running under the strategy, here
   * or in a worker or child; ending). A gauge for metrics: reading it is a `Map.size`. Not in
   * `stats`, which are the transport's counters and know nothing of requests once handed over.
   */
  get inFlight(): number {
    return this.#pipeline.size;
  }

  /**
   * Where the server is in its life for health checks (agent-check, readiness): `starting`,
   * `ready`, `draining` (once `drain()` or `serverClose()` began), `stopped`. No Python
   * counterpart.
   */
  get health(): ServerHealth {
    const kind = this.#life.state.kind;
    if (kind === 'closed') return 'stopped';
    if (this.#drain !== undefined || this.#closing !== undefined) return 'draining';
    return kind === 'active' ? 'ready' : 'starting';
  }

  /** The transport, once bound (for subclasses and strategies that need its counters). */
  protected get transport(): ServerTransport<TRequest> | undefined {
    return this.#transport;
  }

  /** Python's `server_bind()`. Rejects with `BindError` and leaves nothing open on failure. */
  async serverBind(): Promise<void> {
    this.#life.expect('new', 'serverBind()');
    const pending = this.#bind();
    this.#life.state = { kind: 'binding', pending };
    await pending;
  }

  async #bind(): Promise<void> {
    try {
      this.#transport = this.createTransport();
      await this.#transport.bind();
      this.#address = this.#transport.address;
      this.#life.state = { kind: 'bound' };
    } catch (error) {
      this.#life.failStart(error);
      throw error;
    }
  }

  /** Python's `server_activate()`: starts the strategy (handlers load now), then takes requests. */
  async serverActivate(): Promise<void> {
    this.#life.expect('bound', 'serverActivate()');
    const pending = this.#activate();
    this.#life.state = { kind: 'activating', pending };
    await pending;
  }

  async #activate(): Promise<void> {
    const transport = this.#transport as ServerTransport<TRequest>;
    try {
      this.#pipeline.handlerClass = await resolveHandler(this.handler);
      await this.strategy.start(this);
      if (this.#closing !== undefined) {
        throw new ServerStateError('the server was closed while activating');
      }
      await transport.activate();
      this.#life.state = { kind: 'active' };
      this.#life.activated.resolve();
      publish(channels.listening, () => ({ server: this, address: transport.address }));
    } catch (error) {
      // Close what the bind opened here (not through serverClose(), which waits for this).
      this.#life.failStart(error);
      await transport.close();
      await this.strategy.close();
      throw error;
    }
  }

  /** Python's `fileno()`: the listening descriptor, where Node exposes it. */
  fileno(): number | undefined {
    return this.#transport?.fileno();
  }

  /**
   * Python's `serve_forever()`: handles requests until `shutdown()` (or `serverClose()`).
   * Resolves once the loop stopped; rejects with a {@link ServerExit} or an error that
   * `handleError()` rethrew.
   */
  async serveForever(options: ServeForeverOptions = {}): Promise<void> {
    const pollInterval = optionalTimeout('pollInterval', options.pollInterval) ?? 500;
    if (this.#loop !== undefined) throw new ServerStateError('serveForever() is already running');
    const state = this.#life.state;
    if (state.kind === 'closed' && state.failed !== undefined) throw state.failed.error;
    if (state.kind === 'closed' || state.kind === 'closing')
      throw new ServerStateError('serveForever() after serverClose()');
    const loop = new ServeLoop(pollInterval, () => this.serviceActions());
    this.#loop = loop;
    const stop = () => void this.shutdown();
    options.signal?.addEventListener('abort', stop, { once: true });
    if (options.signal?.aborted) stop();
    try {
      await this.#life.whenActive();
      const transport = this.#transport as ServerTransport<TRequest>;
      await loop.run(
        this.strategy,
        transport,
        (incoming) => this.#pipeline.handle(incoming.request, incoming.clientAddress),
        () => this.#throwIfFatal(),
        (error) => this.#stopWithError(error),
      );
      this.#throwIfFatal();
    } finally {
      options.signal?.removeEventListener('abort', stop);
      this.#loop = undefined;
      loop.finish();
    }
  }

  /**
   * Python's `handle_request()`: handles one request, or calls `handleTimeout()` when none
   * came within `timeout` ms (one fixed deadline).
   */
  async handleRequest(): Promise<void> {
    if (this.#loop !== undefined)
      throw new ServerStateError('handleRequest() while serveForever() runs');
    await this.#life.whenActive();
    const transport = this.#transport as ServerTransport<TRequest>;
    const { incoming, timedOut } = await takeOneRequest(this.strategy, transport, this.timeout);
    if (incoming === undefined) {
      if (timedOut) await this.handleTimeout();
      return;
    }
    await this.#pipeline.handle(incoming.request, incoming.clientAddress);
    this.#throwIfFatal();
  }

  /** Python's `handle_timeout()`: called when `handleRequest()` timed out. Does nothing. */
  handleTimeout(): void | Promise<void> {}

  /**
   * Python's `shutdown()`: stops `serveForever()` and resolves once it returned. Unlike
   * Python it is safe before `serveForever()` (resolves at once), twice, and from inside a
   * handler of this server (it then resolves at once; the loop ends when the handler returns).
   */
  async shutdown(): Promise<void> {
    const loop = this.#loop;
    if (loop === undefined) return;
    if (!loop.stopRequested) publish(channels.shutdown, () => ({ server: this }));
    loop.stop();
    if (!isInRequestOf(this)) await loop.done;
  }

  /**
   * Python's `server_close()`: stops listening, serves the requests already accepted (running
   * and queued) within `timeout` ms, cuts what is left after it, and releases everything.
   * Resolves with how every accepted request ended ({@link CloseReport}). A second call
   * shares the first one's report; a shorter `timeout` brings its deadline forward.
   */
  serverClose(options: ServerCloseOptions = {}): Promise<CloseReport> {
    const timeout = optionalTimeout('timeout', options.timeout) ?? null;
    if (this.#closing === undefined) {
      const deadline = new CloseDeadline();
      deadline.shorten(timeout);
      this.#closing = { deadline, report: this.#close(deadline) };
      this.#drain?.endDelay();
    } else this.#closing.deadline.shorten(timeout);
    return this.#closing.report;
  }

  /**
   * Stops the way a load balancer needs (Python has no drain): reports `draining` in
   * {@link health} at once, keeps accepting for `delay` ms, then closes as
   * `serverClose({ timeout })` does and resolves with its report. See `./drain.ts`. A second
   * call shares the first one's report.
   */
  drain(options: DrainOptions = {}): Promise<CloseReport> {
    readDrainOptions(options);
    this.#drain ??= new Drain(options, (timeout) =>
      this.serverClose(timeout === undefined ? {} : { timeout }),
    );
    return this.#drain.report;
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
    return this.#pipeline.dispatch(request, clientAddress);
  }

  /** Python's `finish_request()`: runs the handler on the request, in this process. */
  finishRequest(request: TRequest, clientAddress: SocketAddress): Promise<void> {
    return this.#pipeline.runHandler(request, clientAddress, this);
  }

  /**
   * Python's `shutdown_request()`: ends the request cleanly, then `closeRequest()`. Returns a
   * promise only when the transport's side is asynchronous (overrides may be `async`).
   */
  shutdownRequest(request: TRequest): void | Promise<void> {
    const transport = this.#transport;
    if (transport === undefined) return;
    const ended = transport.shutdownRequest(request);
    if (ended !== undefined) return ended.then(() => this.closeRequest(request));
    return this.closeRequest(request);
  }

  /** Python's `close_request()`: releases the request. */
  closeRequest(request: TRequest): void | Promise<void> {
    return this.#transport?.closeRequest(request);
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

  #stopWithError(error: unknown): void {
    this.#fatal ??= { error };
    this.#loop?.stop();
  }

  #throwIfFatal(): void {
    const fatal = this.#fatal;
    if (fatal === undefined) return;
    this.#fatal = undefined;
    throw fatal.error;
  }

  async #bindAndActivate(): Promise<void> {
    if (this.#closing !== undefined) {
      this.#life.activated.reject(
        new ServerStateError('the server was closed before it was bound'),
      );
      return;
    }
    try {
      await this.serverBind();
      await this.serverActivate();
    } catch {
      // Reported through `ready`, `serveForever()` and `handleRequest()`.
    }
  }

  /** The close: see `closeRequests` for the steps; this part settles the server's own state. */
  async #close(deadline: CloseDeadline): Promise<CloseReport> {
    const inHandler = isInRequestOf(this);
    const loop = this.#loop;
    loop?.stop();
    // Let a bind or activation in progress finish, so that what it opens is closed here.
    const served = await this.#life.beginClose();
    const report = await closeRequests({
      pipeline: this.#pipeline,
      transport: this.#transport,
      strategy: this.strategy,
      deadline,
      loopDone: loop?.done,
      inHandler,
      served,
      stopped: () => this.#fatal !== undefined,
    });
    this.#life.endClose();
    publish(channels.close, () => ({ server: this, report }));
    return report;
  }
}
