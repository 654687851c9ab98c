/**
 * The guard against a fork bomb: a module that holds both a request handler and the server's
 * start-up is imported again by every worker thread and child process (to load the handler),
 * and without `if (isMainThread)` / `if (!isForkedChild())` around the start-up each of them
 * starts another server, whose workers start another… Python's `fork()` doesn't re-import the
 * module, so Python needs no such guard for `ForkingMixIn` (and threads share the module).
 * Here a server created inside a sockserve worker or child throws {@link NestedServerError}
 * at once, naming the guard.
 */
import { isMainThread } from 'node:worker_threads';
import { SockserveError } from './errors.js';

/** Set (to the runner's name) in a worker thread or child process that runs sockserve requests. */
const RUNNER = Symbol.for('sockserve.runner');
/** What `@sockserve/forking` sets in its children (`isForkedChild()`); read too, for older runners. */
const FORKED_CHILD = Symbol.for('sockserve.forking.child');

/**
 * A server was created inside a sockserve worker thread or child process — almost always a
 * module whose start-up code is not guarded, re-run by the worker or child that imports it for
 * its handler. `runner` is `'worker 2'`, `'child 4711'`; `guard` is the condition to wrap the
 * start-up in. No Python counterpart (Python's `fork()` doesn't re-run the module).
 */
export class NestedServerError extends SockserveError {
  /** The worker or child it happened in, e.g. `worker 2`. */
  readonly runner: string;
  /** The guard to put around the server's start-up: `isMainThread` or `!isForkedChild()`. */
  readonly guard: 'isMainThread' | '!isForkedChild()';

  constructor(what: string, runner: string, inThread: boolean) {
    const guard = inThread ? 'isMainThread' : '!isForkedChild()';
    const from = inThread
      ? "isMainThread from 'node:worker_threads'"
      : "isForkedChild() from '@sockserve/forking'";
    super(
      'ERR_SOCKSERVE_NESTED_SERVER',
      `${what} inside sockserve ${runner}: the ${inThread ? 'worker thread' : 'child process'} imported this module for its request handler and ran its start-up code again, which would start servers without end. Put the server's start-up in if (${guard}) { … } (${from}), Python's if __name__ == "__main__":`,
    );
    this.runner = runner;
    this.guard = guard;
  }
}

/** Marks this thread or process as a sockserve runner (called before the handler module is imported). */
export function markRunner(name: string): void {
  (globalThis as Record<symbol, unknown>)[RUNNER] = name;
}

/** The runner's name (`'worker 2'`, `'child 4711'`) when this code runs inside a sockserve worker or child; else undefined. */
export function currentRunner(): string | undefined {
  const global = globalThis as Record<symbol, unknown>;
  const name = global[RUNNER] ?? global[FORKED_CHILD];
  return typeof name === 'string' ? name : undefined;
}

/**
 * Throws {@link NestedServerError} when called inside a sockserve worker thread or child
 * process; `what` says what was attempted (`'cannot create a server'`).
 */
export function assertNotInRunner(what: string): void {
  const runner = currentRunner();
  if (runner !== undefined) throw new NestedServerError(what, runner, !isMainThread);
}
