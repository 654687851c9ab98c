/**
 * `StreamWriter`: the `wfile` of a stream handler (Python's unbuffered `wfile`). `write()`
 * hands the bytes to the stream at once — no flush needed for them to leave — and its
 * promise honours backpressure: it resolves at once while the stream has room, otherwise
 * when it drained. A write to a closed stream rejects with {@link StreamClosedError}.
 */
import type { Writable } from 'node:stream';
import { optionalTimeout } from '@sockserve/core/kit';
import { StreamClosedError, WriteTimeoutError } from './errors.js';

const DONE = Promise.resolve();

/** Unbuffered writer with backpressure; see the module comment. */
export class StreamWriter {
  /**
   * A write that waits longer than this (ms) for the client to take its bytes fails with
   * `WriteTimeoutError` (Python's socket timeout applies to `sendall` too); `null`: never.
   */
  timeout: number | null;
  readonly #stream: Writable;
  #closed = false;

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
    if (this.closed) return Promise.reject(this.#closedError());
    if (this.#stream.write(data)) return DONE;
    return this.#drained();
  }

  /** Writes each item in turn (Python's `writelines`). */
  async writelines(lines: Iterable<string | Uint8Array>): Promise<void> {
    for (const line of lines) await this.write(line);
  }

  /** Resolves when the stream has room again (no backpressure pending). */
  flush(): Promise<void> {
    if (this.#stream.destroyed) return Promise.reject(this.#closedError());
    return this.#stream.writableNeedDrain ? this.#drained() : DONE;
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

  #drained(): Promise<void> {
    const stream = this.#stream;
    const timeout = this.timeout;
    return new Promise<void>((resolve, reject) => {
      const timer =
        timeout === null
          ? undefined
          : setTimeout(() => done(new WriteTimeoutError(timeout)), timeout);
      const done = (error?: unknown) => {
        clearTimeout(timer);
        stream.off('drain', onDrain);
        stream.off('finish', onDrain);
        stream.off('close', onClose);
        if (error === undefined) resolve();
        else reject(error);
      };
      // An ending stream emits 'finish' instead of 'drain' once everything is flushed.
      const onDrain = () => done();
      const onClose = () => done(stream.writableFinished ? undefined : this.#closedError());
      stream.on('drain', onDrain);
      stream.on('finish', onDrain);
      stream.on('close', onClose);
    });
  }

  #closedError(): StreamClosedError {
    const cause = this.#stream.errored;
    return new StreamClosedError(
      cause ? `the stream is closed: ${cause.message}` : 'the stream is closed',
      cause ? { cause } : undefined,
    );
  }
}
