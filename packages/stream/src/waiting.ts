/**
 * What a `StreamReader`'s one waiting read waits for, and the values it settles with: the
 * vocabulary of read-waiter.ts, kept apart so that file holds only the waiting itself. Not
 * exported from the package.
 */

/** Why a reader ended a connection for idling (the `reason` on `sockserve:connection.idle`). */
export type IdleReason = 'first-byte-timeout' | 'idle-timeout' | 'min-rate';

/** What the one waiting read (if any) waits for. */
export const Waiting = {
  Nothing: 0,
  /** A `readline()`: resolve with the line. */
  Line: 1,
  /** Line iteration: resolve with an iterator result. */
  LineResult: 2,
  /** `read()`, `read1()`: resolve on the stream's next event, then look again. */
  Event: 3,
  /**
   * `forEachLine()` between lines: no promise; the line (or a rejected promise: the read
   * failed) is handed to the loop's sink, which calls the callback (see line-loop.ts).
   */
  Callback: 4,
} as const;
/** One of {@link Waiting}'s values. */
export type Waiting = (typeof Waiting)[keyof typeof Waiting];

/**
 * An exhausted array iterator and its `next`: each call makes a fresh
 * `{ value: undefined, done: true }` with V8's own iterator-result map. A promise resolved with
 * an object of that map is fulfilled without looking up `then` on it (V8's `ResolvePromise`
 * knows the map has none); a `{ done, value }` literal has a map of its own, so resolving the
 * waiting line read with one cost a `then` lookup through `Object.prototype` a line (~170
 * instructions under callgrind; made this way, ~100 fewer a line in all).
 * `next` is taken once, so a later change to `%ArrayIteratorPrototype%` does not reach here.
 */
const EXHAUSTED: Iterator<never> = [][Symbol.iterator]();
const exhaustedNext = EXHAUSTED.next;
exhaustedNext.call(EXHAUSTED);

/**
 * Line iteration's result: a line, or done at end of stream. A fresh object every time (a
 * caller may keep it), with the shape of the results the language's own iterators make —
 * `value` then `done` — so it settles a promise without a `then` lookup (see above).
 */
export function lineResult(line: Buffer): IteratorResult<Buffer> {
  const result = exhaustedNext.call(EXHAUSTED) as { value: Buffer | undefined; done: boolean };
  if (line.length !== 0) {
    result.value = line;
    result.done = false;
  }
  return result as IteratorResult<Buffer>;
}
