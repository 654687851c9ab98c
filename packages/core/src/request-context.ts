/**
 * Which server's request is running on the current async path. `shutdown()` uses it to tell
 * a call from inside one of its own handlers (which must not wait for the loop that waits
 * for that handler — Python's deadlock) from a call outside.
 *
 * Cheap per request: `AsyncLocalStorage.run()` makes two context frames (the request's, and
 * a copy of the caller's to restore on return), and the promises a caller chains right after
 * keep the second one alive as long as the request runs — an idle connection held both. Here
 * the request's frame is entered inside an `AsyncResource`'s scope, whose exit restores the
 * caller's own frame: one frame per request.
 */
import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';

const current = new AsyncLocalStorage<object>();

/** Runs `fn(arg)` marked as a request of `server` (no closure needed per request). */
export function runInRequestOf<A, T>(
  server: object,
  fn: (arg: A) => Promise<T>,
  arg: A,
): Promise<T> {
  if (current.getStore() === server) return fn(arg);
  return new AsyncResource('sockserve.request').runInAsyncScope(
    enterRequest<A, T>,
    null,
    server,
    fn,
    arg,
  );
}

/** Inside the resource's scope: the request's frame, then `fn`; the scope's exit undoes it. */
function enterRequest<A, T>(server: object, fn: (arg: A) => Promise<T>, arg: A): Promise<T> {
  current.enterWith(server);
  return fn(arg);
}

/** True when the caller runs inside a request handled by `server`. */
export function isInRequestOf(server: object): boolean {
  return current.getStore() === server;
}
