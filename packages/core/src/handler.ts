/**
 * Request handlers (Python's `BaseRequestHandler`) and how a handler says where it lives.
 *
 * A strategy that runs handlers in a worker thread or a child process cannot send a class
 * there: it sends the handler's *location* (module URL + export name) and the other side
 * imports it. So a handler is given to a server as a {@link HandlerSource}:
 *
 * - a class with `static readonly module = import.meta.url` (the export name defaults to the
 *   class name) — the usual way; or
 * - `{ module: URL | string, export?: string }` — a reference to any exported handler class.
 *
 * A class without `static module` still works with the in-process strategies (sequential,
 * async); strategies that need a location reject it at start-up with a clear error.
 */
import type { SocketAddress } from './address.js';
import { brand } from './brand.js';
import { HandlerLoadError } from './errors.js';
import { importHandlerModule } from './handler-import.js';

/** @internal Symbols through which the server cuts or drains a running handler. */
export const CUT_REQUEST = Symbol('sockserve.cutRequest');
/** @internal */
export const DRAIN_REQUEST = Symbol('sockserve.drainRequest');

/**
 * Python's `BaseRequestHandler`: one instance per request. The server calls `setup()`, then
 * `handle()`, then `finish()` — `finish()` runs when `handle()` throws, not when `setup()`
 * throws. Each may be async.
 *
 * @typeParam TRequest the request type: a stream (`net.Socket`, a `Duplex`) for stream
 *   servers, a {@link DatagramRequest} for datagram servers.
 * @typeParam TServer the server type, for typed access to `this.server`.
 *
 * Branded: `X.prototype instanceof BaseRequestHandler` (Python's `issubclass`) holds for a
 * handler class built on another loaded copy of `@sockserve/core` too.
 */
export class BaseRequestHandler<TRequest = unknown, TServer = unknown> {
  static {
    brand(BaseRequestHandler, 'sockserve.BaseRequestHandler');
  }

  /** Python's `self.request`. */
  readonly request: TRequest;
  /** Python's `self.client_address`. */
  readonly clientAddress: SocketAddress;
  /** Python's `self.server`. In a worker or child, a stand-in with the server's settings. */
  readonly server: TServer;
  /**
   * Made the first time the request is cut or drained, or a signal is asked for: a handler
   * that is never stopped (an idle connection, most requests) carries one empty slot.
   */
  #stop: StopState | undefined;

  constructor(request: TRequest, clientAddress: SocketAddress, server: TServer) {
    this.request = request;
    this.clientAddress = clientAddress;
    this.server = server;
  }

  /**
   * Aborted when this request must stop: its `requestTimeout` passed, or the server is
   * closing and ran out of patience. Pass it to whatever the handler waits on
   * (`fetch(url, { signal: this.signal })`). Created on first use.
   */
  get signal(): AbortSignal {
    const stop = BaseRequestHandler.#stopState(this);
    if (stop.cut === undefined) {
      stop.cut = new AbortController();
      if (stop.cutReason !== undefined) stop.cut.abort(stop.cutReason);
    }
    return stop.cut.signal;
  }

  /**
   * Aborted when the server starts closing: finish the request in hand, take no new one on
   * this connection. `StreamRequestHandler` does this by itself. Created on first use.
   */
  get draining(): AbortSignal {
    const stop = BaseRequestHandler.#stopState(this);
    if (stop.drain === undefined) {
      stop.drain = new AbortController();
      if (stop.isDraining) stop.drain.abort();
    }
    return stop.drain.signal;
  }

  static #stopState(self: BaseRequestHandler): StopState {
    if (self.#stop === undefined) self.#stop = new StopState();
    return self.#stop;
  }

  /** True once the server started closing (see {@link draining}). */
  get isDraining(): boolean {
    return this.#stop?.isDraining === true;
  }

  /** Called once when the server starts closing; override to stop taking work. Does nothing by default. */
  protected onDraining(): void {}

  /** @internal The server cuts this request (deadline or forced close). */
  [CUT_REQUEST](reason: unknown): void {
    const stop = BaseRequestHandler.#stopState(this);
    stop.cutReason = reason;
    stop.cut?.abort(reason);
  }

  /** @internal The server starts closing. */
  [DRAIN_REQUEST](): void {
    const stop = BaseRequestHandler.#stopState(this);
    if (stop.isDraining) return;
    stop.isDraining = true;
    stop.drain?.abort();
    this.onDraining();
  }

  /** Runs before {@link handle}; Python's `setup()`. Does nothing by default. */
  setup(): void | Promise<void> {}

  /** Services the request; Python's `handle()`. Does nothing by default. */
  handle(): void | Promise<void> {}

  /** Runs after {@link handle}, even when it threw; Python's `finish()`. Does nothing by default. */
  finish(): void | Promise<void> {}
}

/** A handler's cut and drain state, made when first needed. */
class StopState {
  cut: AbortController | undefined;
  cutReason: unknown;
  drain: AbortController | undefined;
  isDraining = false;
}

/** What the server calls on a handler instance: `setup`, `handle`, `finish`. */
export interface RequestHandlerLike {
  setup(): void | Promise<void>;
  handle(): void | Promise<void>;
  finish(): void | Promise<void>;
}

/**
 * A handler class: what Python calls `RequestHandlerClass`. Any class constructed with
 * `(request, clientAddress, server)` whose instances have `setup`, `handle` and `finish` —
 * normally a subclass of {@link BaseRequestHandler}. A handler written for `Duplex` requests
 * fits a server whose requests are `net.Socket`s (parameters are contravariant).
 */
export type RequestHandlerClass<TRequest = unknown, TServer = unknown> = (new (
  request: TRequest,
  clientAddress: SocketAddress,
  server: TServer,
) => RequestHandlerLike) & {
  /** Where the class lives: `import.meta.url` of its module. */
  readonly module?: string | URL;
};

/** A reference to a handler class exported by a module. */
export interface HandlerModuleRef {
  /** The module's URL or absolute path (`import.meta.url`, `new URL('./h.ts', import.meta.url)`). */
  readonly module: string | URL;
  /** The export holding the class; `'default'` when omitted. */
  readonly export?: string;
}

/** What servers accept as a handler: a class, or a reference to one. */
export type HandlerSource<TRequest = unknown, TServer = unknown> =
  | RequestHandlerClass<TRequest, TServer>
  | HandlerModuleRef;

/** A handler's location, as strategies send it across threads and processes. */
export interface HandlerLocation {
  readonly module: string;
  readonly export: string;
}

/** True for a class (constructor function) rather than a module reference. */
export function isHandlerClass(source: HandlerSource): source is RequestHandlerClass {
  return typeof source === 'function';
}

/**
 * Where a handler lives, or `undefined` for a class without `static module`. Strategies
 * that load handlers elsewhere call this at start-up and raise when it is `undefined`.
 */
export function handlerLocation(source: HandlerSource): HandlerLocation | undefined {
  if (isHandlerClass(source)) {
    if (source.module === undefined) return undefined;
    return { module: String(source.module), export: source.name };
  }
  return { module: String(source.module), export: source.export ?? 'default' };
}

/**
 * Loads a handler class from a {@link HandlerSource}: a class is returned as is, a reference
 * is imported. Raises {@link HandlerLoadError} saying what was wrong.
 */
export async function resolveHandler(source: HandlerSource): Promise<RequestHandlerClass> {
  if (isHandlerClass(source)) return source;
  const location = handlerLocation(source) as HandlerLocation;
  const namespace = await importHandlerModule(location.module);
  const exported = namespace[location.export];
  if (typeof exported !== 'function') {
    throw new HandlerLoadError(
      `module ${location.module} has no handler class exported as "${location.export}"` +
        ` (exports: ${Object.keys(namespace).join(', ') || 'none'})`,
    );
  }
  return exported as RequestHandlerClass;
}

/** Validates a handler argument up front. */
export function checkHandlerSource(source: unknown): HandlerSource {
  if (typeof source === 'function') return source as RequestHandlerClass;
  if (
    typeof source === 'object' &&
    source !== null &&
    'module' in source &&
    (typeof source.module === 'string' || source.module instanceof URL)
  ) {
    return source as HandlerModuleRef;
  }
  throw new HandlerLoadError(
    'the request handler must be a class or { module, export } (e.g. { module: import.meta.url, export: "EchoHandler" })',
  );
}
