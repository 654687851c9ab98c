/**
 * `StreamReader`: the `rfile` of a stream handler (Python's `socket.makefile('rb')`), over any
 * `Readable`. Nothing is read before a handler asks; from its first read on the reader takes
 * the stream's chunks as 'data' events (flowing mode: a chunk reaches a waiting read in the
 * callback that received it, with no tick in between) and pauses the stream once it holds the
 * stream's high-water mark with no read waiting, so a handler that stops reading still pushes
 * back on the client. Every read can time out (`timeout`, Python's `settimeout`), and
 * `readline()` is bounded by default: a longer line is a {@link LineTooLongError}, found
 * before the line is buffered whole.
 * A connection can also be ended for idling (`idleTimeout`, `firstByteTimeout`): a read that
 * waits with nothing buffered — before the first byte, or between requests — ends as at end of
 * stream once the client has sent nothing for that long, so the handler finishes normally; so
 * is a read waiting for the rest of a request below a minimum rate (see min-read-rate.ts).
 *
 * Cheap per connection: received chunks are kept as they came and copied once, when a read
 * spans them (see read-buffer.ts); one bound listener serves every stream event; a waiting
 * read is a promise and a few fields of the reader, nothing more (see read-waiter.ts). Its
 * options and the checks of read arguments are in stream-reader-options.ts; how it attaches to
 * its stream and takes its chunks, in stream-feed.ts (its base class) and stream-control.ts.
 */
import { Buffer } from 'node:buffer';
import type { Readable } from 'node:stream';
import { rejectUnknownOptions } from '@sockserve/core/handler';
import { UnexpectedEofError } from './errors.js';
import { LineIterator, setNextLine } from './line-iterator.js';
import { type LineCallback, runLineLoop, setLineSource } from './line-loop.js';
import { lineResult, Waiting } from './read-waiter.js';
import { OVERLAP, StreamFeed } from './stream-feed.js';
import {
  checkCount,
  DEFAULT_MAX_LINE_LENGTH,
  FIRST_REQUEST_GRACE_MS,
  STREAM_READER_OPTIONS,
  type StreamReaderOptions,
  storeSettings,
} from './stream-reader-options.js';

export type { IdleReason } from './read-waiter.js';
export {
  DEFAULT_MAX_LINE_LENGTH,
  FIRST_REQUEST_GRACE_MS,
  type StreamReaderOptions,
} from './stream-reader-options.js';

const EMPTY = Buffer.alloc(0);
/** Set while {@link readerWithKnownOptions} constructs: the keys need no scan. */
let knownKeys = false;
/**
 * The options of a reader made without any (`new StreamReader(stream)`, a handler's `rfile`
 * with every setting at its default): one object, recognised, nothing to check or store — the
 * defaults are on the prototype (issue 11: no options object made or scanned a connection).
 */
const NO_OPTIONS: StreamReaderOptions = Object.freeze({});

/** @internal The handler's `rfile`: values checked as always, no scan of known keys (an array a connection). */
export function readerWithKnownOptions(
  stream: Readable,
  options: StreamReaderOptions,
): StreamReader {
  knownKeys = true;
  try {
    return new StreamReader(stream, options);
  } finally {
    knownKeys = false;
  }
}

/** Buffered reader over a `Readable`; see the module comment. */
export class StreamReader extends StreamFeed implements AsyncIterable<Buffer> {
  static {
    setNextLine((reader) =>
      StreamReader.#readline(reader, reader.maxLineLength, Waiting.LineResult),
    );
    setLineSource({
      now: (reader, limit) => reader.lineNow(limit),
      wait: (reader, limit, sink) => reader.waitForLine(limit, sink),
      waiting: (reader) => reader.isWaiting,
    });
    (StreamReader.prototype as { maxLineLength: number }).maxLineLength = DEFAULT_MAX_LINE_LENGTH;
  }

  /** Longest line `readline()` accepts by default (on the prototype unless it differs). */
  declare readonly maxLineLength: number;

  constructor(stream: Readable | undefined, options: StreamReaderOptions = NO_OPTIONS) {
    super();
    if (options !== NO_OPTIONS) {
      if (!knownKeys) rejectUnknownOptions('StreamReader', options, STREAM_READER_OPTIONS);
      storeSettings(this, options);
      this.inheritRateStart(options.firstBytesAt);
    }
    this.feedFrom(stream);
  }

  /** A reader over bytes already in memory (a datagram): reads never wait. */
  static fromBuffer(data: Buffer, options: StreamReaderOptions = {}): StreamReader {
    const reader = new StreamReader(undefined, options);
    reader.resetTo(data);
    return reader;
  }

  /**
   * One line, up to and including `\n`; at end of stream the rest (possibly empty: `''` means
   * EOF, as in Python). Throws {@link LineTooLongError} when the line exceeds `limit` bytes.
   */
  readline(limit = this.maxLineLength): Promise<Buffer> {
    // Python's readline(-1): no limit, asked for explicitly.
    if (limit < 0) limit = Number.POSITIVE_INFINITY;
    else checkCount('limit', limit);
    return StreamReader.#readline(this, limit, Waiting.Line);
  }

  /**
   * Python's `read(n)`: waits for `n` bytes or the end of the stream, whichever is first.
   * Without `n` (or with a negative one), reads to the end of the stream.
   */
  async read(n = -1): Promise<Buffer> {
    checkCount('n', n);
    // Chunks stay in the buffer until the read completes: a timeout or an error loses none.
    while (n < 0 || this.buffered < n) {
      if (!(await this.more())) break;
    }
    // One window for all of its waits (a read that threw leaves it to the sweep to close).
    this.endRateWindow();
    return this.takeBytes(n < 0 ? this.buffered : Math.min(n, this.buffered));
  }

  /** Python's `read1(n)` / `recv(n)`: whatever is available, at most `n`; empty at EOF. */
  async read1(n = DEFAULT_MAX_LINE_LENGTH): Promise<Buffer> {
    checkCount('n', n);
    if (n === 0) return EMPTY;
    if (this.buffered === 0 && !(await this.more())) return EMPTY;
    return this.takeBytes(Math.min(n, this.buffered));
  }

  /** Exactly `n` bytes, or {@link UnexpectedEofError} (with the partial bytes) at EOF. */
  async readExactly(n: number): Promise<Buffer> {
    const data = await this.read(n);
    if (data.length < n) throw new UnexpectedEofError(n, data);
    return data;
  }

  /** Lines until the end of the stream (Python's `for line in rfile`). */
  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    return new LineIterator(this);
  }

  /**
   * Calls `callback` with each line until the end of stream (Node's readline `'line'` event;
   * what `for await (const line of rfile)` gives, without a promise a line). Lines already
   * buffered are handed over at once; a line that arrives is handed over in the callback that
   * received it. When `callback` returns a promise (an `async` callback, a `wfile.write()`
   * under backpressure) the next line waits until it settles — return the write's promise to
   * honour backpressure. Resolves at the end of stream (or when the reader drains or idles
   * out, as iteration ends); rejects with the first error: the callback's (thrown, or its
   * promise's), `LineTooLongError` (a line over `maxLineLength`), `ReadTimeoutError`, the
   * stream's. Reads must not overlap: another read while the loop runs (outside a callback)
   * rejects, and a callback that starts a read must return its promise.
   * `LineRequestHandler` runs one for its `handleLine()`.
   */
  forEachLine<T = undefined>(callback: LineCallback<T>, thisArg?: T): Promise<void> {
    if (typeof callback !== 'function') {
      return Promise.reject(new TypeError('StreamReader.forEachLine: callback must be a function'));
    }
    if (this.isWaiting) return Promise.reject(new Error(OVERLAP));
    return runLineLoop(this, this.maxLineLength, callback, thisArg as T);
  }

  /**
   * Stops reading: listeners are removed, the stream is paused and unread buffered bytes are
   * pushed back into it (`unshift`), so another reader can take over where this one stopped.
   * On a stream that has ended with nothing buffered the listeners stay (a closed reader
   * ignores its events, and nothing more can be read).
   */
  close(): void {
    this.detach();
  }

  /**
   * The server is closing: from now on a read that would have to wait for the client ends as
   * at end of stream (bytes already here are still returned). A connection that has sent
   * nothing yet gets {@link FIRST_REQUEST_GRACE_MS} first: its request may still be on the wire.
   */
  drain(): void {
    if (!this.received && this.hasStream && !this.draining) {
      setTimeout(StreamReader.#drainNow, FIRST_REQUEST_GRACE_MS, this).unref();
      return;
    }
    StreamReader.#drainNow(this);
  }

  static #drainNow(this: void, reader: StreamReader): void {
    reader.draining = true;
    reader.serveWaiter();
  }

  /**
   * The line engine, shared by `readline()` and line iteration. A line already here is
   * returned at once; otherwise the read waits and is completed from the stream's own
   * 'readable' event, with no extra hops.
   */
  static #readline(self: StreamReader, limit: number, kind: typeof Waiting.Line): Promise<Buffer>;
  static #readline(
    self: StreamReader,
    limit: number,
    kind: typeof Waiting.LineResult,
  ): Promise<IteratorResult<Buffer>>;
  static #readline(
    self: StreamReader,
    limit: number,
    kind: Waiting,
  ): Promise<Buffer | IteratorResult<Buffer>> {
    if (self.isWaiting) return Promise.reject(new Error(OVERLAP));
    let line: Buffer | undefined;
    try {
      line = self.lineNow(limit);
    } catch (error) {
      return Promise.reject(error);
    }
    if (line !== undefined) {
      return Promise.resolve(kind === Waiting.LineResult ? lineResult(line) : line);
    }
    return self.wait(kind, limit);
  }
}
