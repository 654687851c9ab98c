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
} as const;
/** One of {@link Waiting}'s values. */
export type Waiting = (typeof Waiting)[keyof typeof Waiting];

/** Line iteration's result: a line, or done at end of stream. */
export function lineResult(line: Buffer): IteratorResult<Buffer> {
  return line.length === 0 ? { done: true, value: undefined } : { done: false, value: line };
}
