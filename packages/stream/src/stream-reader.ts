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
 * options and the checks of read arguments are in stream-reader-options.ts; how it drives
 * and hands back its stream, in stream-control.ts.
 */
import type { Readable } from 'node:stream';
import { rejectUnknownOptions } from '@sockserve/core/handler';
import { LineTooLongError, UnexpectedEofError } from './errors.js';
import { LineIterator, setNextLine } from './line-iterator.js';
import { lineResult, ReadWaiter, Waiting } from './read-waiter.js';
import { ended, flow, handBack, takeLeftovers } from './stream-control.js';
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
/** The stream events a reader listens to, all with one listener. */
const EVENTS = ['data', 'end', 'close', 'error'] as const;
const OVERLAP = 'StreamReader: another read is still waiting; reads must not overlap';

/** Where a reader is with its stream. */
const ReaderState = { Fresh: 0, Attached: 1, Closed: 2 } as const;
type ReaderState = (typeof ReaderState)[keyof typeof ReaderState];

/**
 * The reader calling `stream.read()` itself (set only during that call): the 'data' the call
 * emits is only buffered. A module variable, so a reader carries no field for it.
 */
let pullingReader: StreamReader | undefined;

/** Set while {@link readerWithKnownOptions} constructs: the keys need no scan. */
let knownKeys = false;

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
export class StreamReader extends ReadWaiter implements AsyncIterable<Buffer> {
  static {
    setNextLine((reader) => reader.#readline(reader.maxLineLength, Waiting.LineResult));
    (StreamReader.prototype as { maxLineLength: number }).maxLineLength = DEFAULT_MAX_LINE_LENGTH;
  }

  /** Longest line `readline()` accepts by default (on the prototype unless it differs). */
  declare readonly maxLineLength: number;
  readonly #stream: Readable | undefined;
  #error: Error | undefined;
  /** Not yet reading the stream, reading it (its listeners attached), or closed. */
  #state: ReaderState = ReaderState.Fresh;
  /** The one listener of every stream event: `#onStreamEvent` bound to this reader, made on attach. */
  #listener: ((arg?: unknown) => void) | undefined;

  constructor(stream: Readable | undefined, options: StreamReaderOptions = {}) {
    super();
    if (!knownKeys) rejectUnknownOptions('StreamReader', options, STREAM_READER_OPTIONS);
    storeSettings(this, options);
    this.inheritRateStart(options.firstBytesAt);
    this.#stream = stream;
    if (stream !== undefined) {
      const rest = takeLeftovers(stream);
      if (rest !== undefined) {
        this.appendChunk(rest);
        this.received = true;
      }
    }
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
    return this.#readline(limit, Waiting.Line);
  }

  /**
   * Python's `read(n)`: waits for `n` bytes or the end of the stream, whichever is first.
   * Without `n` (or with a negative one), reads to the end of the stream.
   */
  async read(n = -1): Promise<Buffer> {
    checkCount('n', n);
    // Chunks stay in the buffer until the read completes: a timeout or an error loses none.
    while (n < 0 || this.buffered < n) {
      if (!(await this.#more())) break;
    }
    // One window for all of its waits (a read that threw leaves it to the sweep to close).
    this.endRateWindow();
    return this.takeBytes(n < 0 ? this.buffered : Math.min(n, this.buffered));
  }

  /** Python's `read1(n)` / `recv(n)`: whatever is available, at most `n`; empty at EOF. */
  async read1(n = DEFAULT_MAX_LINE_LENGTH): Promise<Buffer> {
    checkCount('n', n);
    if (n === 0) return EMPTY;
    if (this.buffered === 0 && !(await this.#more())) return EMPTY;
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
   * Stops reading: listeners are removed, the stream is paused and unread buffered bytes are
   * pushed back into it (`unshift`), so another reader can take over where this one stopped.
   * On a stream that has ended with nothing buffered the listeners stay (a closed reader
   * ignores its events, and nothing more can be read).
   */
  close(): void {
    const stream = this.#stream;
    const state = this.#state;
    this.#state = ReaderState.Closed;
    if (stream === undefined || state !== ReaderState.Attached) return;
    // A read still waiting ends as at end of stream.
    this.serveWaiter();
    this.disposeTimers();
    // The usual end of a connection: the stream ended and nothing is left to hand back. The
    // listeners stay (a closed reader ignores its events): no other reader can get more
    // bytes from it anyway.
    if (this.buffered === 0 && ended(stream)) return;
    const listener = this.#listener as () => void;
    for (const event of EVENTS) stream.off(event, listener);
    // Flowing with no 'data' listener would drop chunks: the stream waits, paused, for its
    // next reader (as a stream nobody reads from does).
    stream.pause();
    if (this.buffered === 0) return;
    handBack(stream, this.takeAll());
  }

  /**
   * The server is closing: from now on a read that would have to wait for the client ends as
   * at end of stream (bytes already here are still returned). A connection that has sent
   * nothing yet gets {@link FIRST_REQUEST_GRACE_MS} first: its request may still be on the wire.
   */
  drain(): void {
    if (!this.received && this.#stream !== undefined && !this.draining) {
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
  #readline(limit: number, kind: typeof Waiting.Line): Promise<Buffer>;
  #readline(limit: number, kind: typeof Waiting.LineResult): Promise<IteratorResult<Buffer>>;
  #readline(limit: number, kind: Waiting): Promise<Buffer | IteratorResult<Buffer>> {
    if (this.isWaiting) return Promise.reject(new Error(OVERLAP));
    let line: Buffer | undefined;
    try {
      line = this.lineNow(limit);
    } catch (error) {
      return Promise.reject(error);
    }
    if (line !== undefined) {
      return Promise.resolve(kind === Waiting.LineResult ? lineResult(line) : line);
    }
    return this.wait(kind, limit);
  }

  /**
   * @internal
   * A line from what is buffered or readable right now: the line, the rest at end of stream
   * ('' meaning EOF), or `undefined` when more bytes are needed. Throws LineTooLongError
   * before buffering more than `limit` bytes of one line, or the stream's error.
   */
  protected lineNow(limit: number): Buffer | undefined {
    const stream = this.#stream;
    if (stream !== undefined && this.#state === ReaderState.Fresh) this.#attach(stream);
    for (;;) {
      const nl = this.newlineOffset();
      if (nl >= 0) {
        if (nl + 1 > limit) throw new LineTooLongError(limit);
        return this.takeBytes(nl + 1);
      }
      if (this.buffered > limit) throw new LineTooLongError(limit);
      if (this.#error !== undefined) throw this.#error;
      if (stream === undefined || this.#state === ReaderState.Closed) return this.takeAll();
      if (this.#pull(stream)) continue;
      if (this.draining || ended(stream)) {
        if (stream.errored) throw stream.errored;
        return this.takeAll();
      }
      flow(stream);
      return undefined;
    }
  }

  /** @internal The stream, for `sockserve:connection.idle`. */
  protected get idleSubject(): Readable | undefined {
    return this.#stream;
  }

  /**
   * `read()` and `read1()`: buffers more bytes, waiting for them if need be; false at end of
   * stream (or once the reader is closed or draining, with nothing more here).
   */
  async #more(): Promise<boolean> {
    const stream = this.#stream;
    for (;;) {
      if (stream === undefined || this.#state === ReaderState.Closed) return false;
      if (this.#state === ReaderState.Fresh) this.#attach(stream);
      if (this.#error !== undefined) throw this.#error;
      if (this.#pull(stream)) return true;
      if (this.draining || ended(stream)) {
        if (stream.errored) throw stream.errored;
        return false;
      }
      if (this.isWaiting) throw new Error(OVERLAP);
      flow(stream);
      const before = this.buffered;
      await this.wait(Waiting.Event);
      if (this.buffered > before) return true;
    }
  }

  /**
   * Takes what the stream holds in its own buffer now (bytes put back by an earlier reader,
   * or read while paused): its `read()` emits them as 'data', which only appends here.
   * False when it held nothing.
   */
  #pull(stream: Readable): boolean {
    if (stream.readableLength === 0) return false;
    pullingReader = this;
    try {
      stream.read();
    } finally {
      pullingReader = undefined;
    }
    return true;
  }

  #attach(stream: Readable): void {
    this.#state = ReaderState.Attached;
    this.#listener ??= this.#onStreamEvent.bind(this);
    const listener = this.#listener;
    for (const event of EVENTS) stream.on(event, listener);
  }

  /**
   * Every stream event. A chunk ('data') is buffered and handed to the waiting read; with no
   * read waiting the reader keeps it, up to the stream's high-water mark, then pauses the
   * stream (backpressure: the kernel's buffers fill and the client waits). An error is kept
   * for the next read. Then the waiting read looks again.
   */
  #onStreamEvent(arg?: unknown): void {
    if (typeof arg === 'object' && arg !== null) {
      if (arg instanceof Uint8Array) {
        this.#onChunk(arg as Buffer);
        return;
      }
      if (arg instanceof Error) this.#error ??= arg;
    } else if (typeof arg === 'string') {
      this.#onChunk(Buffer.from(arg));
      return;
    }
    this.serveWaiter();
  }

  #onChunk(chunk: Buffer): void {
    this.received = true;
    this.appendChunk(chunk);
    if (pullingReader === this) return;
    if (this.isWaiting) this.serveWaiter();
    // Checked after the read had its chance: a read that completed or failed (a line too
    // long) leaves what it did not take, and the stream stops here if that is a full buffer.
    if (!this.isWaiting && this.buffered >= (this.#stream as Readable).readableHighWaterMark) {
      (this.#stream as Readable).pause();
    }
  }
}
