/**
 * The options of a {@link StreamReader} and the checks of its read arguments: what a reader
 * accepts, its defaults, and the byte counts `read()`, `read1()` and `readline()` take.
 */
import { InvalidOptionError, optionalInteger, optionalTimeout } from '@sockserve/core/handler';
import { type MinReadRate, optionalMinReadRate } from './min-read-rate.js';
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

/** The settings a reader keeps (its defaults are on its prototype). */
interface ReaderSettings {
  maxLineLength: number;
  timeout: number | null;
  idleTimeout: number | null;
  firstByteTimeout: number | null;
  minReadRate: MinReadRate | null;
}

/** The settings in ms a reader keeps. */
const TIMEOUTS = ['timeout', 'idleTimeout', 'firstByteTimeout'] as const;

/**
 * Checks `options` and stores on `reader` only the settings that differ from the defaults,
 * which live on the reader's prototype: a reader with the defaults (an idle connection, most
 * often) carries no slot for them.
 */
export function storeSettings(reader: ReaderSettings, options: StreamReaderOptions): void {
  const limit =
    optionalInteger('maxLineLength', options.maxLineLength, 1) ?? DEFAULT_MAX_LINE_LENGTH;
  if (limit !== DEFAULT_MAX_LINE_LENGTH) reader.maxLineLength = limit;
  for (const name of TIMEOUTS) {
    const ms = optionalTimeout(name, options[name]);
    if (ms !== undefined && ms !== null) reader[name] = ms;
  }
  const minReadRate = optionalMinReadRate('minReadRate', options.minReadRate);
  if (minReadRate !== null) reader.minReadRate = minReadRate;
}
