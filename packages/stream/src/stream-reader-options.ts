/**
 * The options of a {@link StreamReader} and the checks of its read arguments: what a reader
 * accepts, its defaults, and the byte counts `read()`, `read1()` and `readline()` take.
 */
import { InvalidOptionError } from '@sockserve/core/handler';
import type { MinReadRate } from './min-read-rate.js';
import type { StreamReader } from './stream-reader.js';

/** Options of {@link StreamReader}. */
export interface StreamReaderOptions {
  /** Longest line `readline()` accepts, newline included (bytes). Default 65536. */
  readonly maxLineLength?: number;
  /** A read that waits longer than this (ms) fails with `ReadTimeoutError`; `null`: never. */
  readonly timeout?: number | null;
  /**
   * A read waiting with nothing buffered ends as at end of stream once the client has sent
   * nothing for this long (ms), before its first byte or between requests; `null`: never.
   */
  readonly idleTimeout?: number | null;
  /** As `idleTimeout`, for the wait before the client's first byte; `null`: `idleTimeout` applies. */
  readonly firstByteTimeout?: number | null;
  /**
   * A read waiting for the rest of a request (part of it buffered) ends as at end of stream,
   * the partial request dropped, once the client sent less than `bytesPerSecond` on average
   * since the read began waiting, counted after `graceMs`; `null`: no minimum. See
   * min-read-rate.ts.
   */
  readonly minReadRate?: MinReadRate | null;
  /**
   * Epoch ms the client's first bytes reached the server, when another process read them
   * (the first-bytes hand-over of a worker or child strategy): the first rate window counts
   * from then, so time spent waiting for a runner is not a new grace.
   */
  readonly firstBytesAt?: number | undefined;
}

/** Default `maxLineLength`: 64 KiB, the limit Python's `http.server` uses. */
export const DEFAULT_MAX_LINE_LENGTH = 65536;

/**
 * ms a connection that has sent nothing yet gets for its first bytes once the server drains:
 * one accepted just before the listener closed has its request on the wire (in the kernel,
 * not yet read), and ending it at once would lose that request (a restart under load did).
 */
export const FIRST_REQUEST_GRACE_MS = 1000;

/** The known keys of {@link StreamReaderOptions}, for `rejectUnknownOptions`. */
export const STREAM_READER_OPTIONS = [
  'maxLineLength',
  'timeout',
  'idleTimeout',
  'firstByteTimeout',
  'minReadRate',
  'firstBytesAt',
] as const;

/** A byte count argument: a whole number (negative means "no limit" where allowed). */
export function checkCount(name: string, value: number): void {
  if (!Number.isInteger(value) && value !== Number.POSITIVE_INFINITY) {
    throw new InvalidOptionError(name, 'a whole number of bytes', value);
  }
}
