/**
 * `BaseServer`: Python's `socketserver.BaseServer` lifecycle over a {@link ServerTransport}
 * and a {@link ConcurrencyStrategy}. Subclasses (TCPServer, UDPServer, …) supply the
 * transport; the strategy comes from the `strategy` option or a mixin.
 */
import type { SocketAddress } from './address.js';
import { closeStrategy } from './close-strategy.js';
import { channels, publish } from './diagnostics.js';
import { RequestCutError, ServerExit, ServerStateError } from './errors.js';
import {
  checkHandlerSource,
  type HandlerSource,
  type RequestHandlerClass,
  resolveHandler,
} from './handler.js';
import { assertNotInRunner } from './nested-server-guard.js';
import {
  BASE_SERVER_OPTIONS,
  type BaseServerOptions,
  type ServerLogger,
} from './options/base-server-options.js';
import type { AnyOptionSet, ResolvedOptions } from './options/option-set.js';
import { reportRequestError } from './report-error.js';
import { isInRequestOf, runInRequestOf } from './request-context.js';
import { RequestTracker } from './request-tracker.js';
import { runRequestHandler } from './run-request.js';
import { SequentialStrategy } from './sequential-strategy.js';
import type { ConcurrencyStrategy, StrategyHost } from './strategy.js';
import type { IncomingRequest, ServerTransport, TransportStats } from './transport.js';
import { optionalTimeout } from './validate.js';

export {
  BASE_SERVER_OPTIONS,
  type BaseServerOptions,
  type ServerLogger,
} from './options/base-server-options.js';

/** Options of `serveForever()`. */
export interface ServeForeverOptions {
  /** How often `serviceActions()` runs while idle, in ms (Python's `poll_interval`). Default 500. */
  readonly pollInterval?: number;
  /** Aborting it stops the loop, like `shutdown()` (e.g. `AbortSignal` from a SIGTERM handler). */
  readonly signal?: AbortSignal;
}

/** Options of `serverClose()`. */
export interface ServerCloseOptions {
  /**
   * ms to wait for running requests (when the strategy blocks on close); after it they are
   * cut: their handlers' `signal` aborts and their connections close. Default: wait for ever.
   */
  readonly timeout?: number;
}

/** What `serverClose()` did with the requests that were running when it was called. */
export interface CloseReport {
  /** Requests that finished while the server closed. */
  readonly finished: number;
  /** Requests cut when `timeout` ran out (or not waited for: daemon threads, no `blockOnClose`). */
  readonly cut: number;
}

type State = 'new' | 'binding' | 'bound' | 'activating' | 'active' | 'closed';

interface ServeLoop {
  stopRequested: boolean;
  readonly abort: AbortController;
  readonly done: Promise<void>;
  readonly finish: () => void;
}

/**
 * Python's `BaseServer`. Owns the lifecycle: bind, activate, the serve loop, shutdown and
 * close, and the per-request path `verifyRequest` → `processRequest` → `finishRequest` →
 * `shutdownRequest` with `handleError` on failure. Override any of them, as in Python.
 */
export abstract class BaseServer<TRequest = unknown>
  implements StrategyHost<TRequest>, AsyncDisposable
{
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
  /** See {@link BaseServerOptions.requestTimeout}. */
  requestTimeout: number | null;
  /** See {@link BaseServerOptions.logger}. */
  logger: ServerLogger | undefined;

  #state: State = 'new';
  #transport: ServerTransport<TRequest> | undefined;
  #handlerClass: RequestHandlerClass | undefined;
  #activated = Promise.withResolvers<void>();
  #loop: ServeLoop | undefined;
  #fatal: { error: unknown } | undefined;
  #closing: Promise<CloseReport> | undefined;
  readonly #tracker = new RequestTracker<TRequest>(this);
  #inServiceActions = false;
  /** Why binding or activating failed; what serveForever()/handleRequest() then reject with. */
  #startError: { error: unknown } | undefined;
  readonly #autoBind: boolean;
  /** True once a bind succeeded (the address stays readable after close, as in Python). */
  #bound = false;
  /** The bind or activation in progress, which `serverClose()` lets finish first. */
  #pending: Promise<unknown> | undefined;
  /** True while the serve loop itself runs a request (idle service actions wait). */
  #loopBusy = false;

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
    this.#activated.promise.catch(() => {});
    this.#autoBind = base.bindAndActivate;
    if (this.#autoBind) {
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
    return this.#activated.promise.then(() => this);
  }

  /** Python's `server_address`: the real bound address (port 0 resolved). */
  get serverAddress(): SocketAddress {
    if (this.#transport === undefined || !this.#bound) {
      throw new ServerStateError(
        'serverAddress is not known: the server is not bound (await server.ready)',
      );
    }
    return this.#transport.address;
  }

  /** `'stream'` or `'datagram'`. */
  get transportKind(): 'stream' | 'datagram' {
    if (this.#transport === undefined) throw new ServerStateError('the server is not bound yet');
    return this.#transport.kind;
  }

  /** The transport's counters: requests accepted, refused (queue full), oversized datagrams. */
  get stats(): Readonly<TransportStats> {
    return this.#transport?.stats ?? { accepted: 0, refused: 0, oversized: 0 };
  }

  /** The transport, once bound (for subclasses and strategies that need its counters). */
  protected get transport(): ServerTransport<TRequest> | undefined {
    return this.#transport;
  }

  /** Python's `server_bind()`. Rejects with `BindError` and leaves nothing open on failure. */
  async serverBind(): Promise<void> {
    this.#expectState('new', 'serverBind()');
    this.#state = 'binding';
    const binding = this.#bind();
    this.#pending = binding;
    await binding;
  }

  async #bind(): Promise<void> {
    try {
      this.#transport = this.createTransport();
      await this.#transport.bind();
      this.#bound = true;
      this.#state = 'bound';
    } catch (error) {
      this.#state = 'closed';
      this.#startError = { error };
      this.#activated.reject(error);
      throw error;
    }
  }

  /** Python's `server_activate()`: starts the strategy (handlers load now), then takes requests. */
  async serverActivate(): Promise<void> {
    this.#expectState('bound', 'serverActivate()');
    this.#state = 'activating';
    const activation = this.#activate();
    this.#pending = activation;
    await activation;
  }

  async #activate(): Promise<void> {
    const transport = this.#transport as ServerTransport<TRequest>;
    try {
      this.#handlerClass = await resolveHandler(this.handler);
      await this.strategy.start(this);
      if (this.#closing !== undefined) {
        throw new ServerStateError('the server was closed while activating');
      }
      await transport.activate();
      this.#state = 'active';
      this.#activated.resolve();
      publish(channels.listening, () => ({ server: this, address: transport.address }));
    } catch (error) {
      // Close what the bind opened here (not through serverClose(), which waits for this).
      this.#startError = { error };
      this.#state = 'closed';
      await transport.close();
      await this.strategy.close({ wait: false });
      this.#activated.reject(error);
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
    if (this.#startError !== undefined) throw this.#startError.error;
    if (this.#state === 'closed') throw new ServerStateError('serveForever() after serverClose()');
    const loop = this.#startLoop();
    const idle = setInterval(() => void this.#idleServiceActions(), pollInterval);
    const stop = () => void this.shutdown();
    options.signal?.addEventListener('abort', stop, { once: true });
    if (options.signal?.aborted) stop();
    try {
      await this.#whenActive();
      const transport = this.#transport as ServerTransport<TRequest>;
      while (!loop.stopRequested) {
        await this.strategy.waitForSlot?.(loop.abort.signal);
        if (loop.stopRequested) break;
        const incoming = await transport.take(loop.abort.signal);
        if (incoming === undefined) break;
        this.#loopBusy = true;
        try {
          await this.#handleRequestNoBlock(incoming);
        } finally {
          this.#loopBusy = false;
        }
        this.#throwIfFatal();
        await this.#runServiceActions();
      }
      this.#throwIfFatal();
    } finally {
      clearInterval(idle);
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
    await this.#whenActive();
    const transport = this.#transport as ServerTransport<TRequest>;
    const deadline = new AbortController();
    const timer =
      this.timeout === null ? undefined : setTimeout(() => deadline.abort(), this.timeout);
    let incoming: IncomingRequest<TRequest> | undefined;
    try {
      await this.strategy.waitForSlot?.(deadline.signal);
      incoming = await transport.take(deadline.signal);
    } finally {
      clearTimeout(timer);
    }
    if (incoming === undefined) {
      if (deadline.signal.aborted) await this.handleTimeout();
      return;
    }
    await this.#handleRequestNoBlock(incoming);
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
    loop.stopRequested = true;
    loop.abort.abort();
    if (!isInRequestOf(this)) await loop.done;
  }

  /**
   * Python's `server_close()`: stops listening, drops requests still queued, and waits for
   * running ones as the strategy's `blockOnClose` says — at most `timeout` ms, after which
   * they are cut. Resolves with what happened to them. Idempotent.
   */
  serverClose(options: ServerCloseOptions = {}): Promise<CloseReport> {
    const timeout = optionalTimeout('timeout', options.timeout) ?? null;
    this.#closing ??= this.#close(timeout);
    return this.#closing;
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
    return this.strategy.dispatch(request, clientAddress);
  }

  /** Python's `finish_request()`: runs the handler on the request, in this process. */
  finishRequest(request: TRequest, clientAddress: SocketAddress): Promise<void> {
    const Handler = this.#handlerClass as RequestHandlerClass<TRequest, this>;
    const control = { timeout: this.requestTimeout, onStart: this.#tracker.attach(request) };
    return runInRequestOf(this, () =>
      runRequestHandler(Handler, request, clientAddress, this, control),
    );
  }

  /** Python's `shutdown_request()`: ends the request cleanly, then `closeRequest()`. */
  async shutdownRequest(request: TRequest): Promise<void> {
    await this.#transport?.shutdownRequest(request);
    await this.closeRequest(request);
  }

  /** Python's `close_request()`: releases the request. */
  async closeRequest(request: TRequest): Promise<void> {
    await this.#transport?.closeRequest(request);
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

  /** {@link StrategyHost.runRequest}: `finishRequest` then `shutdownRequest`. */
  async runRequest(request: TRequest, clientAddress: SocketAddress): Promise<void> {
    await this.finishRequest(request, clientAddress);
    await this.shutdownRequest(request);
    this.#tracker.end(request);
  }

  /** {@link StrategyHost.runRequestGuarded}: `runRequest` with the error path; never rejects. */
  async runRequestGuarded(request: TRequest, clientAddress: SocketAddress): Promise<void> {
    try {
      await this.runRequest(request, clientAddress);
    } catch (error) {
      try {
        await this.#requestFailed(request, clientAddress, error);
      } catch (fatal) {
        this.#stopWithError(fatal);
      }
    }
  }

  /** {@link StrategyHost.requestFinished}: `shutdownRequest`, or the error path; never rejects. */
  async requestFinished(
    request: TRequest,
    clientAddress: SocketAddress,
    error?: unknown,
  ): Promise<void> {
    try {
      if (error === undefined) {
        await this.shutdownRequest(request);
        this.#tracker.end(request);
      } else {
        await this.#requestFailed(request, clientAddress, error);
      }
    } catch (fatal) {
      this.#stopWithError(fatal);
    }
  }

  async #handleRequestNoBlock({
    request,
    clientAddress,
  }: IncomingRequest<TRequest>): Promise<void> {
    try {
      this.#tracker.begin(request, clientAddress);
      if (!(await this.verifyRequest(request, clientAddress))) {
        await this.shutdownRequest(request);
        this.#tracker.end(request);
        return;
      }
      await this.processRequest(request, clientAddress);
    } catch (error) {
      await this.#requestFailed(request, clientAddress, error);
    }
  }

  /** The error path: `handleError` + `shutdownRequest`; a ServerExit or rethrow escapes. */
  async #requestFailed(
    request: TRequest,
    clientAddress: SocketAddress,
    error: unknown,
  ): Promise<void> {
    try {
      if (error instanceof ServerExit) throw error;
      // A request cut by serverClose({ timeout }) is counted in its report, not an error.
      if (!(error instanceof RequestCutError))
        await this.handleError(request, clientAddress, error);
    } finally {
      await this.shutdownRequest(request).catch(() => {});
      this.#tracker.end(request, error);
    }
  }

  #stopWithError(error: unknown): void {
    this.#fatal ??= { error };
    if (this.#loop !== undefined) {
      this.#loop.stopRequested = true;
      this.#loop.abort.abort();
    }
  }

  #throwIfFatal(): void {
    const fatal = this.#fatal;
    if (fatal === undefined) return;
    this.#fatal = undefined;
    throw fatal.error;
  }

  #startLoop(): ServeLoop {
    const { promise, resolve } = Promise.withResolvers<void>();
    const loop: ServeLoop = {
      stopRequested: false,
      abort: new AbortController(),
      done: promise,
      finish: resolve,
    };
    this.#loop = loop;
    return loop;
  }

  async #runServiceActions(): Promise<void> {
    if (this.#inServiceActions) return;
    this.#inServiceActions = true;
    try {
      const pending = this.serviceActions();
      if (pending !== undefined) await pending;
    } finally {
      this.#inServiceActions = false;
    }
  }

  async #idleServiceActions(): Promise<void> {
    if (this.#loopBusy) return;
    try {
      await this.#runServiceActions();
    } catch (error) {
      this.#stopWithError(error);
    }
  }

  async #bindAndActivate(): Promise<void> {
    if (this.#closing !== undefined) {
      this.#activated.reject(new ServerStateError('the server was closed before it was bound'));
      return;
    }
    try {
      await this.serverBind();
      await this.serverActivate();
    } catch {
      // Reported through `ready`, `serveForever()` and `handleRequest()`.
    }
  }

  async #whenActive(): Promise<void> {
    if (this.#state === 'active') return;
    if (this.#startError !== undefined) throw this.#startError.error;
    if (this.#state === 'new' && !this.#autoBind) {
      throw new ServerStateError(
        'the server is not bound: call serverBind() and serverActivate() first',
      );
    }
    await this.#activated.promise;
    if ((this.#state as State) !== 'active') throw new ServerStateError('the server was closed');
  }

  #expectState(expected: State, what: string): void {
    if (this.#state !== expected) {
      throw new ServerStateError(`${what} needs a ${expected} server; this one is ${this.#state}`);
    }
  }

  async #close(timeout: number | null): Promise<CloseReport> {
    const inHandler = isInRequestOf(this);
    const loop = this.#loop;
    if (loop !== undefined) {
      loop.stopRequested = true;
      loop.abort.abort();
    }
    // Let a bind or activation in progress finish, so that what it opens is closed here.
    if (this.#autoBind && this.#state !== 'closed') await this.#activated.promise.catch(() => {});
    await this.#pending?.catch(() => {});
    this.#state = 'closed';
    this.#activated.reject(new ServerStateError('the server was closed'));
    await this.#transport?.close();
    this.#tracker.drainAll();
    const running = this.strategy.active;
    // From inside a handler, waiting for running requests would wait for the caller itself.
    const report = await closeStrategy(this.strategy, !inHandler, timeout, () =>
      this.#tracker.abortAll(new RequestCutError()),
    );
    if (loop !== undefined && !inHandler) await loop.done;
    const result = { finished: running - report.cut, cut: report.cut };
    publish(channels.close, () => ({ server: this, report: result }));
    return result;
  }
}
