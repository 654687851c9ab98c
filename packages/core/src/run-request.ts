/**
 * Running one request through a handler (Python's `BaseRequestHandler.__init__` body), with
 * what can bound it: a deadline, and a stopper the server keeps to cut or drain it later.
 * Every strategy (in-process, worker, child) runs requests through `runRequestHandler`.
 */
import type { SocketAddress } from './address.js';
import { RequestTimeoutError } from './errors.js';
import {
  BaseRequestHandler,
  CUT_REQUEST,
  DRAIN_REQUEST,
  type RequestHandlerClass,
  type RequestHandlerLike,
} from './handler.js';

/** What the server can do to a running request. */
export interface RequestStopper {
  /** Stop it now: its handler's `signal` aborts with `reason`, the request is destroyed. */
  cut(reason: Error): void;
  /** The server is closing: its handler's `draining` aborts (finish the request in hand). */
  drain(): void;
}

/** What bounds one request's run. */
export interface RequestControl {
  /** ms the whole request may take (`setup` + `handle` + `finish`); `null`: no limit. */
  readonly timeout?: number | null;
  /** Receives the request's stopper as it starts. */
  readonly onStart?: (stopper: RequestStopper) => void;
}

/**
 * Constructs the handler, runs `setup()`, `handle()`, and `finish()` even when `handle()`
 * threw. When cut (a deadline, or the server's stopper) it rejects with the reason at once —
 * without waiting for a handler that ignores its `signal` — and destroys the request (a
 * stream closes, so the handler's blocked reads and writes fail).
 */
export function runRequestHandler<TRequest, TServer>(
  Handler: RequestHandlerClass<TRequest, TServer>,
  request: TRequest,
  clientAddress: SocketAddress,
  server: TServer,
  control: RequestControl = {},
): Promise<void> {
  const handler = new Handler(request, clientAddress, server);
  const timeout = control.timeout ?? null;
  if (timeout === null && control.onStart === undefined) return runLifecycle(handler);
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const settle = (error?: unknown) => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      if (error === undefined) resolve();
      else reject(error);
      return true;
    };
    const cut = (reason: Error) => {
      if (settled) return;
      if (handler instanceof BaseRequestHandler) handler[CUT_REQUEST](reason);
      (request as { destroy?: () => void }).destroy?.();
      settle(reason);
    };
    if (timeout !== null) timer = setTimeout(() => cut(new RequestTimeoutError(timeout)), timeout);
    control.onStart?.({
      cut,
      drain: () => {
        if (handler instanceof BaseRequestHandler) handler[DRAIN_REQUEST]();
      },
    });
    runLifecycle(handler).then(
      () => settle(),
      (error: unknown) => settle(error ?? new Error('handler rejected with no reason')),
    );
  });
}

async function runLifecycle(handler: RequestHandlerLike): Promise<void> {
  await handler.setup();
  try {
    await handler.handle();
  } finally {
    await handler.finish();
  }
}
