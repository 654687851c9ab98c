/**
 * The minimum data rate of a stream read (issue 20: slowloris). A read that waits for the rest
 * of a request — bytes of it are buffered, so the client is not idle but sending — must get
 * them at `bytesPerSecond` on average, after `graceMs`: the read is ended once
 *
 *     now − since > graceMs + received × 1000 / bytesPerSecond
 *
 * where `since` is when the read began waiting with part of a request (or when the client's
 * first bytes reached the server, if another process read them: the first-bytes hand-over)
 * and `received` the bytes that came since. This is Apache mod_reqtimeout's
 * `header=<grace>,MinRate=<rate>` without its maximum (each `rate` bytes buys one more
 * second), applied per read — nginx's `client_body_timeout` also bounds one read, but resets
 * on every byte, which a client sending a byte every few seconds passes forever.
 *
 * Cheap per read: a read whose request is already here never looks at the rate; one that
 * waits is put in a set, and ONE interval timer per process (or worker thread) sweeps that
 * set every {@link RATE_SWEEP_MS} — no timer per read, no work per received chunk. The reader
 * side (the window's start and byte count, what ending a read means) is in read-waiter.ts.
 * No Python counterpart: `socketserver` has only `timeout`.
 */
import { InvalidOptionError } from '@sockserve/core/handler';

/**
 * A minimum data rate for reads (the `minReadRate` option and handler attribute): a read
 * waiting for the rest of a request is ended once the client has sent less than
 * `bytesPerSecond` on average since the read began waiting, counted after `graceMs`.
 * One object, shared by every reader it applies to (a connection keeps a reference, not two
 * numbers), and the same shape the `sockserve` command sends to worker threads and children.
 */
export interface MinReadRate {
  /** Bytes per second the client must keep up, on average, once `graceMs` has passed (> 0). */
  readonly bytesPerSecond: number;
  /** ms a waiting read may take before the rate counts at all (≥ 0). */
  readonly graceMs: number;
}

/** How often the shared sweep looks at the waiting reads (ms): a read ends at most this late. */
export const RATE_SWEEP_MS = 250;

/** What the sweep calls on each waiting read; implemented by the reader. */
export interface RateChecked {
  /** Ends the read if its client fell below the rate by `now` (epoch ms). */
  checkRate(now: number): void;
}

const watched = new Set<RateChecked>();
let sweeper: NodeJS.Timeout | undefined;
let ended = 0;

/**
 * `value` as a {@link MinReadRate}, or `null` for `null`/`undefined` (none). Throws
 * `InvalidOptionError` (`ERR_SOCKSERVE_INVALID_OPTION`) for anything else.
 */
export function optionalMinReadRate(name: string, value: unknown): MinReadRate | null {
  if (value === undefined || value === null) return null;
  const rate = value as Partial<MinReadRate>;
  if (
    typeof value !== 'object' ||
    typeof rate.bytesPerSecond !== 'number' ||
    !Number.isFinite(rate.bytesPerSecond) ||
    rate.bytesPerSecond <= 0 ||
    typeof rate.graceMs !== 'number' ||
    !Number.isFinite(rate.graceMs) ||
    rate.graceMs < 0
  ) {
    throw new InvalidOptionError(
      name,
      '{ bytesPerSecond: a number > 0, graceMs: ms ≥ 0 } or null',
      value,
    );
  }
  return value as MinReadRate;
}

/** True once a read waiting since `since` with `received` bytes since then is below `rate` at `now`. */
export function belowMinReadRate(
  rate: MinReadRate,
  since: number,
  received: number,
  now: number,
): boolean {
  return now - since > rate.graceMs + (received * 1000) / rate.bytesPerSecond;
}

/** Puts a waiting read under the sweep (starts the process's one timer if it is not running). */
export function watchReadRate(read: RateChecked): void {
  watched.add(read);
  if (sweeper === undefined) {
    sweeper = setInterval(sweep, RATE_SWEEP_MS);
    // The sweep never keeps a process alive: the sockets it looks at do.
    sweeper.unref();
  }
}

/** Takes a read out of the sweep (it completed, failed or was closed). */
export function unwatchReadRate(read: RateChecked): void {
  watched.delete(read);
}

/** Reads this process (or worker thread) has ended for their client's rate, since it started. */
export function readsEndedForRate(): number {
  return ended;
}

function sweep(): void {
  if (watched.size === 0) {
    // Stopped lazily: a read that waits right after the last one did reuses the timer.
    clearInterval(sweeper);
    sweeper = undefined;
    return;
  }
  const now = Date.now();
  for (const read of watched) read.checkRate(now);
}

/** Counts a read ended for its client's rate (see {@link readsEndedForRate}). */
export function countEndedForRate(): void {
  ended += 1;
}
