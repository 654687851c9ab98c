/**
 * A handler's `finish()` by callback, for the pipeline's own lifecycle (`owned-lifecycle.ts`):
 * a handler whose `finish()` only sends a reply (`DatagramRequestHandler`) may end the request
 * from the send's callback — no promise, no resolvers, no reaction per datagram. No Python
 * counterpart (Python's `finish()` is a plain call).
 */

/**
 * The method a handler implements to finish by callback: it returns false to have its
 * `finish()` called as usual (say, a subclass overrode `finish()`), or true once it has
 * started finishing — it then calls `done` exactly once: `done(null)` (or `done()`) when
 * finished, `done(error)` when finishing failed (the error wins, as `finish()`'s would).
 * A shared symbol, so two loaded copies of `@sockserve/core` agree on it.
 */
export const FINISH_THEN: unique symbol = Symbol.for('sockserve.finishThen');

/** A handler that can finish by callback; see {@link FINISH_THEN}. */
export interface FinishesThen {
  [FINISH_THEN](done: (error?: Error | null) => void): boolean;
}
