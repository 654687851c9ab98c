/**
 * The handler lifecycle (`setup`, `handle`, `finish`) when the pipeline runs it itself: the
 * default `finishRequest()`, called by `execute()` (overrides that return what
 * `super.finishRequest()` returned count too). Then the request needs no second promise
 * chain to end it — after `finish()` the lifecycle hands the outcome straight to the
 * pipeline (`shutdownRequest` or the error path, then the strategy's release). An idle
 * connection, its handler waiting in `handle()`, holds one promise reaction for all of it.
 *
 * Until `execute()` knows whether `finishRequest()` returned this promise (it marks the
 * request `owned` before any reaction can run), it behaves as the plain lifecycle: an
 * override that awaited it sees `handle`'s or `finish`'s error. With `finishRequest()` not
 * overridden the request is owned before `setup()` runs: a `handle()` that returns nothing
 * (a synchronous handler, `DatagramRequestHandler`'s usual case) goes on to `finish()` at
 * once — no promise, no closure, no reaction — and the lifecycle returns `DONE`.
 */
import { FINISH_THEN, type FinishesThen } from './finish-then.js';
import type { RequestHandlerLike } from './handler.js';
import { DONE } from './pipeline-request.js';

/** What the owned lifecycle needs of its request (a `PipelineRequest`). */
export interface OwnedRun {
  /**
   * The handler, made by `runHandler()` just before. The lifecycle reads it from here when
   * `handle()` settles (after a cut too, which ended the request already), and clears it at
   * its own end: an entry kept after its request (by a strategy or a diagnostics subscriber)
   * does not keep the handler, its streams and its buffers.
   */
  handler: RequestHandlerLike | undefined;
  /** `execute()` returned this run's promise: the lifecycle ends the request itself. */
  readonly owned: boolean;
  /** Ends the request (`error`: it failed) and releases it to its strategy. */
  endOwned(error?: unknown): void;
}

const NO_REASON = 'handler rejected with no reason';

/** `setup`, `handle`, `finish` (even when `handle` threw), then the request's end; see the module comment. */
export function runOwnedLifecycle(run: OwnedRun): Promise<void> {
  const handler = run.handler as RequestHandlerLike;
  const setup = handler.setup();
  if (setup === undefined) return handleThenEnd(run, handler);
  return Promise.resolve(setup).then(
    () => handleThenEnd(run, handler),
    (error: unknown) => endWith(run, true, error),
  );
}

function handleThenEnd(run: OwnedRun, handler: RequestHandlerLike): Promise<void> {
  let handled: void | Promise<void>;
  try {
    handled = handler.handle();
  } catch (error) {
    if (!run.owned) return finishThenEndLater(run, handler, error);
    void finishThenEnd(run, handler, true, error);
    return DONE;
  }
  // Owned up front and handled synchronously: on to finish() now (it ends the request).
  if (handled === undefined && run.owned) {
    void finishThenEnd(run, handler, false, undefined);
    return DONE;
  }
  // Bound functions, not arrows: two bound functions (96 B) instead of two closures and their
  // context (160 B), held for the life of an idle connection.
  return Promise.resolve(handled).then(handledThenEnd.bind(run), failedThenEnd.bind(run));
}

/** `handle()` resolved (bound to the run). */
function handledThenEnd(this: OwnedRun): void | Promise<void> {
  return finishThenEnd(this, this.handler as RequestHandlerLike, false, undefined);
}

/** `handle()` rejected (bound to the run). */
function failedThenEnd(this: OwnedRun, error: unknown): void | Promise<void> {
  return finishThenEnd(this, this.handler as RequestHandlerLike, true, error);
}

/**
 * `finish()` (its error wins, as in a `finally`), then the end; called as a reaction (a throw
 * rejects). No async frame: a `finish()` that returns nothing ends the request at once, one
 * that returns a promise ends it when that settles, and a handler that finishes by callback
 * (`finish-then.ts`: a datagram's reply) ends it from the callback.
 */
function finishThenEnd(
  run: OwnedRun,
  handler: RequestHandlerLike,
  failed: boolean,
  error: unknown,
): void | Promise<void> {
  let finished: void | Promise<void>;
  try {
    // Owned, a handler that finishes by callback (a datagram's reply) ends the request from it.
    const finishThen = (handler as Partial<FinishesThen>)[FINISH_THEN];
    if (run.owned && finishThen !== undefined) {
      const done = failed ? endAfterFailure(run, error) : endAfterSuccess(run);
      if (finishThen.call(handler, done)) return;
    }
    finished = handler.finish();
  } catch (finishError) {
    return endWith(run, true, finishError);
  }
  if (finished === undefined) return endWith(run, failed, error);
  return endWhenFinished(run, failed, error, finished);
}

// The closures live in helpers of their own: finishThenEnd() itself then allocates no
// context per call (V8 makes one on entry for a function whose closures capture its
// parameters), and the usual reply callback holds `run` alone.

/** A `finish()` by callback after `handle()` succeeded: its error, if any, is the request's. */
function endAfterSuccess(run: OwnedRun): (finishError?: Error | null) => void {
  return (finishError) => endWith(run, finishError != null, finishError);
}

/** A `finish()` by callback after `handle()` failed with `error` (an error of `finish` wins). */
function endAfterFailure(run: OwnedRun, error: unknown): (finishError?: Error | null) => void {
  return (finishError) => endWith(run, true, finishError ?? error);
}

/** The end once the promise `finish()` returned settles (its rejection wins). */
function endWhenFinished(
  run: OwnedRun,
  failed: boolean,
  error: unknown,
  finished: Promise<void>,
): Promise<void> {
  return Promise.resolve(finished).then(
    () => endWith(run, failed, error),
    (finishError: unknown) => endWith(run, true, finishError),
  );
}

/**
 * `handle()` threw before returning: `finish()` now, the end a turn later — `execute()`
 * marks the run owned only once `finishRequest()` returned.
 */
async function finishThenEndLater(
  run: OwnedRun,
  handler: RequestHandlerLike,
  error: unknown,
): Promise<void> {
  try {
    await handler.finish();
  } catch (finishError) {
    return endWith(run, true, finishError);
  }
  return endWith(run, true, error);
}

/**
 * The lifecycle's last step, which lets go of the handler. Owned: the pipeline ends the
 * request, this promise resolves. Not owned: the plain outcome.
 */
function endWith(run: OwnedRun, failed: boolean, error: unknown): void {
  run.handler = undefined;
  if (!run.owned) {
    if (failed) throw error;
    return;
  }
  run.endOwned(failed ? (error ?? new Error(NO_REASON)) : undefined);
}
