/**
 * What a handler can learn about the thread it runs in: its name (Python's
 * `threading.current_thread().name`) and the `workerData` the server was given, which is how
 * handlers share state across threads (a `SharedArrayBuffer` with `Atomics`, or a
 * `BroadcastChannel` name to talk to the main thread).
 */
import { isMainThread, workerData } from 'node:worker_threads';

/** `'worker 2'` inside a sockserve worker, `'main'` on the main thread. */
export function currentThreadName(): string {
  if (isMainThread) return 'main';
  const name = (workerData as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' ? name : 'worker';
}

/**
 * The `workerData` option given to the `ThreadingStrategy` (or server), as seen in a worker:
 * the same value, cloned — except `SharedArrayBuffer`s, which are shared. `undefined` on the
 * main thread.
 */
export function sharedWorkerData<T = unknown>(): T | undefined {
  if (isMainThread) return undefined;
  return (workerData as { shared?: T } | undefined)?.shared;
}
