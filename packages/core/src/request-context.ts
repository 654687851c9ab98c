/**
 * Which server's request is running on the current async path. `shutdown()` uses it to tell
 * a call from inside one of its own handlers (which must not wait for the loop that waits
 * for that handler — Python's deadlock) from a call outside.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const current = new AsyncLocalStorage<object>();

/** Runs `fn(arg)` marked as a request of `server` (no closure needed per request). */
export function runInRequestOf<A, T>(
  server: object,
  fn: (arg: A) => Promise<T>,
  arg: A,
): Promise<T> {
  return current.run(server, fn, arg);
}

/** True when the caller runs inside a request handled by `server`. */
export function isInRequestOf(server: object): boolean {
  return current.getStore() === server;
}
