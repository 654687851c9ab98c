/**
 * The handler of a forking child's warm-up request (issue 19). Profiled (`--cpu-prof` in the
 * child, `bench/child-startup.ts`): a fresh child's first request cost ~2.7 ms of CPU where
 * its second cost ~1.2 ms, and the difference was sockserve's own request path run for the
 * first time — the runner's delivery and `RequestRunner`, the handler's lifecycle, and the
 * first `rfile` / `wfile` of `@sockserve/stream` (`StreamReader`'s construction alone
 * ~0.7 ms) — not Node's socket code (already warmed) nor its IPC handle receive (priming that
 * with a dummy handle changed nothing measurable). So before `ready` the child runs one
 * request through that same path, with this handler, on a loopback connection to itself.
 *
 * Never the user's handler (its setup, handle and finish may have effects): a subclass of the
 * `StreamRequestHandler` the user's handler extends — found by its brand in the prototype
 * chain, so it is the same loaded copy and nothing is imported — that reads one line and
 * writes it back. A handler that is no `StreamRequestHandler` (or a datagram server) gets no
 * warm-up request: its request path is its own.
 */
import type { HandlerLocation, RequestHandlerClass } from '@sockserve/core';
import type { RunnerInit } from '@sockserve/core/remote/runner';

/** The brand `@sockserve/stream` gives `StreamRequestHandler` (core's `brand()`). */
const STREAM_HANDLER_BRAND = Symbol.for('sockserve.StreamRequestHandler');

/** What the warm-up handler uses of a `StreamRequestHandler`. */
interface StreamHandlerShape {
  readonly rfile: { readline(): Promise<Uint8Array> };
  readonly wfile: { write(data: Uint8Array): Promise<void> };
}
type StreamHandlerBase = new (...args: never[]) => StreamHandlerShape;

/** The `StreamRequestHandler` class (any loaded copy) `Handler` extends, or undefined. */
export function streamHandlerBase(Handler: unknown): StreamHandlerBase | undefined {
  if (typeof Handler !== 'function') return undefined;
  let prototype: object | null = Handler.prototype as object | null;
  while (prototype !== null && prototype !== Object.prototype) {
    if (Object.hasOwn(prototype, STREAM_HANDLER_BRAND))
      return (prototype as { constructor: StreamHandlerBase }).constructor;
    prototype = Object.getPrototypeOf(prototype) as object | null;
  }
  return undefined;
}

/**
 * The warm-up request's handler for a child started with `init` (its handler module already
 * loaded, so the import is the module cache's answer), or undefined when it gets none (see the
 * module comment). One line in, the same line out.
 */
export async function warmUpHandler(init: RunnerInit): Promise<RequestHandlerClass | undefined> {
  if (init.server.transportKind !== 'stream') return undefined;
  const namespace = (await import(init.handler.module)) as Record<string, unknown>;
  const Base = streamHandlerBase(namespace[init.handler.export]);
  if (Base === undefined) return undefined;
  class WarmUpHandler extends Base {
    async handle(): Promise<void> {
      await this.wfile.write(await this.rfile.readline());
    }
  }
  return WarmUpHandler as unknown as RequestHandlerClass;
}

/**
 * The `RunnerInit` of a plain local request served by `Handler` (the warm-up's runner): the
 * child's own init with only the fields such a request uses — the server's address and kind,
 * its close and request deadlines, the handler defaults — and `Handler` as the handler (a
 * class is a handler source too). Every other field (the connection upgrade, the PROXY
 * preamble, any field added later) is left out: the warm-up's client speaks plain TCP and
 * sends no header, so a new field of `RunnerInit` applies to it only once it is named here.
 */
export function plainLocalInit(init: RunnerInit, Handler: RequestHandlerClass): RunnerInit {
  const { server, closeTimeout, requestTimeout, handlerDefaults } = init;
  return {
    handler: Handler as unknown as HandlerLocation,
    server,
    closeTimeout,
    requestTimeout,
    ...(handlerDefaults === undefined ? {} : { handlerDefaults }),
  };
}
