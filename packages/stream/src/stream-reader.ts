/**
 * `StreamReader`: the `rfile` of a stream handler (Python's `socket.makefile('rb')`), over any
 * `Readable`. Reads pull from the stream on demand (nothing is read before a handler asks),
 * every read can time out (`timeout`, Python's `settimeout`), and `readline()` is bounded by
 * default: a longer line is a {@link LineTooLongError}, found before the line is buffered whole.
 */
import type { Readable } from 'node:stream';
import { InvalidOptionError } from '@sockserve/core';
import { optionalInteger, optionalTimeout, rejectUnknownOptions } from '@sockserve/core/kit';
import { LineTooLongError, ReadTimeoutError, UnexpectedEofError } from './errors.js';

/** Options of {@link StreamReader}. */
export interface StreamReaderOptions {
  /** Longest line `readline()` accepts, newline included (bytes). Default 65536. */
  readonly maxLineLength?: number;
  /** A read that waits longer than this (ms) fails with `ReadTimeoutError`; `null`: never. */
  readonly timeout?: number | null;
}

/** Default `maxLineLength`: 64 KiB, the limit Python's `http.server` uses. */
export const DEFAULT_MAX_LINE_LENGTH = 65536;

const EMPTY = Buffer.alloc(0);
/**
 * Bytes a closed reader had buffered but could not push back (the stream had already
 * emitted 'end', after which `unshift` is not allowed); the next reader of that stream
 * starts with them.
 */
const leftovers = new WeakMap<Readable, Buffer>();
const NEWLINE = 0x0a;
const OPTIONS = ['maxLineLength', 'timeout'] as const;

/** Buffered reader over a `Readable`; see the module comment. */
export class StreamReader implements AsyncIterable<Buffer> {
  /** Longest line `readline()` accepts by default. */
  readonly maxLineLength: number;
  /** Per-read timeout in ms, or `null`. */
  timeout: number | null;
  readonly #stream: Readable | undefined;
  #buf: Buffer = EMPTY;
  #pos = 0;
  #eof = false;
  #error: Error | undefined;
  #attached = false;
  #closed = false;
  #draining = false;
  #wake: (() => void) | undefined;
  /** A `readline()` waiting for its line: served straight from the stream's events. */
  #pendingLine: PendingLine | undefined;
  /** Bytes of `#buf` from `#pos` on already known to hold no newline. */
  #scanned = 0;
  readonly #onEvent = () => {
    if (this.#pendingLine !== undefined) this.#servePendingLine();
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  };
  readonly #onEnd = () => {
    this.#eof = true;
    this.#onEvent();
  };
  readonly #onError = (error: Error) => {
    this.#error ??= error;
    this.#onEvent();
  };

  constructor(stream: Readable | undefined, options: StreamReaderOptions = {}) {
    rejectUnknownOptions('StreamReader', options, OPTIONS);
    this.maxLineLength =
      optionalInteger('maxLineLength', options.maxLineLength, 1) ?? DEFAULT_MAX_LINE_LENGTH;
    this.timeout = optionalTimeout('timeout', options.timeout) ?? null;
    this.#stream = stream;
    if (stream === undefined) {
      this.#eof = true;
    } else {
      const rest = leftovers.get(stream);
      leftovers.delete(stream);
      if (rest !== undefined) this.#buf = rest;
    }
  }

  /** A reader over bytes already in memory (a datagram): reads never wait. */
  static fromBuffer(data: Buffer, options: StreamReaderOptions = {}): StreamReader {
    const reader = new StreamReader(undefined, options);
    reader.#buf = data;
    return reader;
  }

  /** Bytes read from the stream but not yet returned. */
  get buffered(): number {
    return this.#buf.length - this.#pos;
  }

  /**
   * One line, up to and including `\n`; at end of stream the rest (possibly empty: `''` means
   * EOF, as in Python). Throws {@link LineTooLongError} when the line exceeds `limit` bytes.
   */
  readline(limit = this.maxLineLength): Promise<Buffer> {
    // Python's readline(-1): no limit, asked for explicitly.
    if (limit < 0) limit = Number.POSITIVE_INFINITY;
    else checkCount('limit', limit);
    return this.#readline(limit, false);
  }

  /**
   * Python's `read(n)`: waits for `n` bytes or the end of the stream, whichever is first.
   * Without `n` (or with a negative one), reads to the end of the stream.
   */
  async read(n = -1): Promise<Buffer> {
    checkCount('n', n);
    if (n >= 0 && this.buffered >= n) return this.#take(n);
    const parts: Buffer[] = [this.#take(this.buffered)];
    let total = parts[0]?.length ?? 0;
    try {
      while (n < 0 || total < n) {
        const chunk = await this.#nextChunk();
        if (chunk === null) break;
        const want = n < 0 ? chunk.length : Math.min(chunk.length, n - total);
        parts.push(want === chunk.length ? chunk : chunk.subarray(0, want));
        if (want < chunk.length) this.#append(chunk.subarray(want));
        total += want;
      }
    } catch (error) {
      // A timeout or error must not lose what already arrived: keep it for the next read.
      this.#buf = Buffer.concat([...parts, this.#buf.subarray(this.#pos)]);
      this.#pos = 0;
      this.#scanned = 0;
      throw error;
    }
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, total);
  }

  /** Python's `read1(n)` / `recv(n)`: whatever is available, at most `n`; empty at EOF. */
  async read1(n = DEFAULT_MAX_LINE_LENGTH): Promise<Buffer> {
    checkCount('n', n);
    if (n === 0) return EMPTY;
    if (this.buffered === 0) {
      const chunk = await this.#nextChunk();
      if (chunk === null) return EMPTY;
      this.#append(chunk);
    }
    return this.#take(Math.min(n, this.buffered));
  }

  /** Exactly `n` bytes, or {@link UnexpectedEofError} (with the partial bytes) at EOF. */
  async readExactly(n: number): Promise<Buffer> {
    const data = await this.read(n);
    if (data.length < n) throw new UnexpectedEofError(n, data);
    return data;
  }

  /** Lines until the end of the stream (Python's `for line in rfile`). */
  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    return {
      next: () => this.#readline(this.maxLineLength, true),
      return: async () => ({ done: true, value: undefined }),
    };
  }

  /**
   * Stops reading: listeners are removed and unread buffered bytes are pushed back into the
   * stream (`unshift`), so another reader can take over where this one stopped.
   */
  close(): void {
    const stream = this.#stream;
    this.#closed = true;
    if (stream === undefined || !this.#attached) return;
    this.#attached = false;
    // A read still waiting ends as at end of stream.
    this.#onEvent();
    stream.off('readable', this.#onEvent);
    stream.off('close', this.#onEnd);
    stream.off('end', this.#onEnd);
    stream.off('error', this.#onError);
    if (this.buffered === 0) return;
    const rest = this.#take(this.buffered);
    if (!stream.readableEnded && !stream.destroyed) stream.unshift(rest);
    else leftovers.set(stream, rest);
  }

  /**
   * The server is closing: from now on a read that would have to wait for the client ends as
   * at end of stream (bytes already here are still returned).
   */
  drain(): void {
    this.#draining = true;
    this.#onEvent();
  }

  /**
   * The line engine, shared by `readline()` and line iteration (`asResult`: resolve with an
   * iterator result). A line already here is returned at once; otherwise the request waits
   * and is completed from the stream's own 'readable' event, with no extra hops.
   */
  #readline(limit: number, asResult: true): Promise<IteratorResult<Buffer>>;
  #readline(limit: number, asResult: false): Promise<Buffer>;
  #readline(limit: number, asResult: boolean): Promise<Buffer | IteratorResult<Buffer>> {
    if (this.#pendingLine !== undefined || this.#wake !== undefined) {
      return Promise.reject(
        new Error('StreamReader: another read is still waiting; reads must not overlap'),
      );
    }
    let line: Buffer | undefined;
    try {
      line = this.#lineNow(limit);
    } catch (error) {
      return Promise.reject(error);
    }
    if (line !== undefined) return Promise.resolve(asResult ? lineResult(line) : line);
    return new Promise((resolve, reject) => {
      const timeout = this.timeout;
      const pending: PendingLine = {
        limit,
        resolve: asResult ? (l) => resolve(lineResult(l)) : resolve,
        reject,
        timer:
          timeout === null
            ? undefined
            : setTimeout(() => {
                this.#pendingLine = undefined;
                reject(new ReadTimeoutError(timeout));
              }, timeout),
      };
      this.#pendingLine = pending;
    });
  }

  /** Completes the waiting `readline()` if its line (or the end, or an error) is here now. */
  #servePendingLine(): void {
    const pending = this.#pendingLine as PendingLine;
    let line: Buffer | undefined;
    try {
      line = this.#lineNow(pending.limit);
    } catch (error) {
      this.#pendingLine = undefined;
      clearTimeout(pending.timer);
      pending.reject(error);
      return;
    }
    if (line === undefined) return;
    this.#pendingLine = undefined;
    clearTimeout(pending.timer);
    pending.resolve(line);
  }

  /**
   * A line from what is buffered or readable right now: the line, the rest at end of stream
   * ('' meaning EOF), or `undefined` when more bytes are needed. Throws LineTooLongError
   * before buffering more than `limit` bytes of one line, or the stream's error.
   */
  #lineNow(limit: number): Buffer | undefined {
    const stream = this.#stream;
    if (stream !== undefined && !this.#attached && !this.#closed) this.#attach(stream);
    for (;;) {
      const nl = this.#buf.indexOf(NEWLINE, this.#pos + this.#scanned);
      if (nl >= 0) {
        if (nl - this.#pos + 1 > limit) throw new LineTooLongError(limit);
        return this.#take(nl - this.#pos + 1);
      }
      if (this.buffered > limit) throw new LineTooLongError(limit);
      this.#scanned = this.buffered;
      if (this.#error !== undefined) throw this.#error;
      const chunk =
        stream === undefined || this.#closed ? null : (stream.read() as Buffer | string | null);
      if (chunk !== null) {
        this.#append(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
        continue;
      }
      if (stream === undefined || this.#closed || this.#eof || this.#draining || stream.destroyed) {
        if (stream?.errored && !this.#closed) throw stream.errored;
        return this.#take(this.buffered);
      }
      return undefined;
    }
  }

  #take(n: number): Buffer {
    const out = this.#buf.subarray(this.#pos, this.#pos + n);
    this.#pos += n;
    this.#scanned = Math.max(0, this.#scanned - n);
    if (this.#pos === this.#buf.length) {
      this.#buf = EMPTY;
      this.#pos = 0;
    }
    return out;
  }

  #append(chunk: Buffer): void {
    // Positions in the old buffer move to the new one's start: `#scanned` stays relative.
    this.#buf = this.buffered === 0 ? chunk : Buffer.concat([this.#buf.subarray(this.#pos), chunk]);
    this.#pos = 0;
  }

  async #nextChunk(): Promise<Buffer | null> {
    const stream = this.#stream;
    if (stream === undefined || this.#closed) return null;
    if (!this.#attached) this.#attach(stream);
    for (;;) {
      if (this.#error !== undefined) throw this.#error;
      const chunk = stream.read() as Buffer | string | null;
      if (chunk !== null) return typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      if (this.#eof || stream.destroyed || this.#draining) {
        if (stream.errored) throw stream.errored;
        return null;
      }
      await this.#waitForEvent();
      if (this.#closed || this.#draining) {
        const late = stream.read() as Buffer | string | null;
        if (late !== null) return typeof late === 'string' ? Buffer.from(late) : late;
        return null;
      }
    }
  }

  #attach(stream: Readable): void {
    this.#attached = true;
    stream.on('readable', this.#onEvent);
    stream.on('end', this.#onEnd);
    stream.on('close', this.#onEnd);
    stream.on('error', this.#onError);
    if (stream.readableEnded) this.#eof = true;
  }

  #waitForEvent(): Promise<void> {
    if (this.#wake !== undefined || this.#pendingLine !== undefined) {
      return Promise.reject(
        new Error('StreamReader: another read is still waiting; reads must not overlap'),
      );
    }
    const timeout = this.timeout;
    return new Promise<void>((resolve, reject) => {
      if (timeout === null) {
        this.#wake = resolve;
        return;
      }
      const timer = setTimeout(() => {
        this.#wake = undefined;
        reject(new ReadTimeoutError(timeout));
      }, timeout);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

/** A byte count argument: a whole number (negative means "no limit" where allowed). */
function checkCount(name: string, value: number): void {
  if (!Number.isInteger(value) && value !== Number.POSITIVE_INFINITY) {
    throw new InvalidOptionError(name, 'a whole number of bytes', value);
  }
}

/** A `readline()` waiting for more bytes. */
interface PendingLine {
  readonly limit: number;
  readonly resolve: (line: Buffer) => void;
  readonly reject: (error: unknown) => void;
  readonly timer: NodeJS.Timeout | undefined;
}

/** Line iteration's result: a line, or done at end of stream. */
function lineResult(line: Buffer): IteratorResult<Buffer> {
  return line.length === 0 ? { done: true, value: undefined } : { done: false, value: line };
}
