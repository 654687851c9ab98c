/**
 * `StreamWriter`: the `wfile` of a stream handler (Python's unbuffered `wfile`). `write()`
 * hands the bytes to the stream at once — no flush needed for them to leave — and its
 * promise honours backpressure: it resolves at once while the stream has room, otherwise
 * when it drained. A write to a closed stream rejects with {@link StreamClosedError}.
 *
 * Writes waiting for the same drain share one promise, one timer and one bound listener per
 * writer (made the first time a write has to wait): backpressure costs no closures per write.
 */
import type { Writable } from 'node:stream';
import { optionalTimeout } from '@sockserve/core/handler';
import { StreamClosedError, WriteTimeoutError } from './errors.js';
import { writeToForeign } from './foreign-writer.js';

const DONE = Promise.resolve();
/** The stream events that end a wait for room, all with one listener. */
const EVENTS = ['drain', 'finish', 'close'] as const;

/**
 * @internal Marks a writer closed without flushing (it never wrote): a handler's `wfile`
 * first touched after `finish()`. Not exported from the package.
 */
export let closeWriterNow: (writer: StreamWriter) => void;

/**
 * @internal Closes a writer at once when it has nothing to flush (closed already, its stream
 * gone, or no backpressure pending) and returns true; false leaves it open for `close()`.
 * What `close()` does, without its promise, in the usual case. Not exported from the package.
 */
export let closeWriterIfFlushed: (writer: StreamWriter) => boolean;

/**
 * @internal `write()` without its promise when the stream took the bytes: `undefined`, else
 * the promise `write()` returns (room again, or a closed stream's rejection). The line
 * handler's writes. A `wfile` that is not a `StreamWriter`, or a subclass that overrides
 * `write`, is written through its own `write()` (foreign-writer.ts). Not exported from the
 * package.
 */
export let writeOrWait: (
  writer: StreamWriter,
  data: string | Uint8Array,
) => PromiseLike<unknown> | undefined;

/**
 * @internal True when `writer` is a `StreamWriter` whose `write`, `flush` and `close` are this
 * class's own: the handler may then skip them (`writeOrWait`, `closeWriterIfFlushed`). False
 * for any other object set as `wfile`. Not exported from the package.
 */
export let isOwnWriter: (writer: unknown) => boolean;

/** Unbuffered writer with backpressure; see the module comment. */
export class StreamWriter {
  /**
   * A write that waits longer than this (ms) for the client to take its bytes fails with
   * `WriteTimeoutError` (Python's socket timeout applies to `sendall` too); `null`: never.
   */
  timeout: number | null;
  readonly #stream: Writable;
  #closed = false;
  /** The drain every waiting write and flush waits for, while one is awaited. */
  #wait: DrainWait | undefined;
  /** `#onStreamEvent` bound to this writer, made the first time a write waits. */
  #listener: (() => void) | undefined;

  static {
    closeWriterNow = (writer) => {
      writer.#closed = true;
    };
    const proto = StreamWriter.prototype;
    isOwnWriter = (writer) =>
      typeof writer === 'object' &&
      writer !== null &&
      #stream in writer &&
      (writer as StreamWriter).write === proto.write &&
      (writer as StreamWriter).flush === proto.flush &&
      (writer as StreamWriter).close === proto.close;
    writeOrWait = (writer, data) => {
      // Checked a line: a wfile replaced by anything else is written through its own write().
      if (typeof writer !== 'object' || writer === null || !(#stream in writer)) {
        return writeToForeign(writer, data);
      }
      if (writer.write !== proto.write) return writeToForeign(writer, data);
      if (writer.closed) return Promise.reject(StreamWriter.#closedError(writer));
      if (writer.#stream.write(data)) return undefined;
      return StreamWriter.#drained(writer);
    };
    closeWriterIfFlushed = (writer) => {
      const stream = writer.#stream;
      if (!writer.#closed && !stream.destroyed && stream.writableNeedDrain) return false;
      writer.#closed = true;
      return true;
    };
  }

  constructor(stream: Writable, options: { readonly timeout?: number | null } = {}) {
    this.#stream = stream;
    this.timeout = optionalTimeout('timeout', options.timeout) ?? null;
  }

  /** True after {@link close}, or once the stream can no longer be written. */
  get closed(): boolean {
    return this.#closed || this.#stream.writableEnded || this.#stream.destroyed;
  }

  /**
   * Sends `data` now. Await the promise to respect backpressure (a client that reads slowly
   * makes it wait); not awaiting is safe but lets the stream's buffer grow.
   */
  write(data: string | Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(StreamWriter.#closedError(this));
    if (this.#stream.write(data)) return DONE;
    return StreamWriter.#drained(this);
  }

  /** Writes each item in turn (Python's `writelines`). */
  async writelines(lines: Iterable<string | Uint8Array>): Promise<void> {
    for (const line of lines) await this.write(line);
  }

  /** Resolves when the stream has room again (no backpressure pending). */
  flush(): Promise<void> {
    if (this.#stream.destroyed) return Promise.reject(StreamWriter.#closedError(this));
    return this.#stream.writableNeedDrain ? StreamWriter.#drained(this) : DONE;
  }

  /** Flushes and stops this writer; the stream itself is ended by the server's `shutdownRequest`. */
  async close(): Promise<void> {
    if (this.#closed) return;
    try {
      if (!this.#stream.destroyed) await this.flush();
    } finally {
      this.#closed = true;
    }
  }

  static #drained(self: StreamWriter): Promise<void> {
    if (self.#wait !== undefined) return self.#wait.promise;
    const wait = new DrainWait();
    self.#wait = wait;
    self.#listener ??= StreamWriter.#onStreamEvent.bind(self);
    const listener = self.#listener;
    for (const event of EVENTS) self.#stream.on(event, listener);
    const timeout = self.timeout;
    if (timeout !== null) {
      wait.timer = setTimeout(StreamWriter.#timedOut, timeout, self, timeout);
    }
    return wait.promise;
  }

  /**
   * 'drain', or 'finish' (an ending stream emits it instead of 'drain' once everything is
   * flushed): room again. 'close': done if everything was flushed, else the stream is gone.
   */
  static readonly #onStreamEvent = function onStreamEvent(this: StreamWriter): void {
    const stream = this.#stream;
    if (!stream.destroyed || stream.writableFinished) StreamWriter.#settle(this, undefined);
    else StreamWriter.#settle(this, StreamWriter.#closedError(this));
  };

  /** Ends the wait: listeners and timer go, the shared promise settles. */
  static #settle(self: StreamWriter, error: unknown): void {
    const wait = self.#wait as DrainWait;
    const listener = self.#listener as () => void;
    for (const event of EVENTS) self.#stream.off(event, listener);
    clearTimeout(wait.timer);
    self.#wait = undefined;
    if (error === undefined) wait.resolve();
    else wait.reject(error);
  }

  /** The wait's timeout passed (a `setTimeout` callback: no closure per wait). */
  static #timedOut(this: void, writer: StreamWriter, timeout: number): void {
    (writer.#wait as DrainWait).timer = undefined;
    StreamWriter.#settle(writer, new WriteTimeoutError(timeout));
  }

  static #closedError(self: StreamWriter): StreamClosedError {
    const cause = self.#stream.errored;
    return new StreamClosedError(
      cause ? `the stream is closed: ${cause.message}` : 'the stream is closed',
      cause ? { cause } : undefined,
    );
  }
}

/**
 * One wait for room: its promise, shared by every write and flush that waits, and its timer.
 * Made only under backpressure, so a writer that is not waiting carries one empty slot.
 */
class DrainWait {
  readonly promise: Promise<void>;
  resolve!: () => void;
  reject!: (error: unknown) => void;
  timer: NodeJS.Timeout | undefined;

  constructor() {
    this.promise = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }
}
