/**
 * Which server's request is running on the current async path. `shutdown()` uses it to tell
 * a call from inside one of its own handlers (which must not wait for the loop that waits
 * for that handler — Python's deadlock) from a call outside.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const current = new AsyncLocalStorage<object>();

/** Runs `fn` marked as a request of `server`. */
export function runInRequestOf<T>(server: object, fn: () => Promise<T>): Promise<T> {
  return current.run(server, fn);
}

/** True when the caller runs inside a request handled by `server`. */
export function isInRequestOf(server: object): boolean {
  return current.getStore() === server;
}
