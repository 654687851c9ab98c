/**
 * Python's `StreamRequestHandler`: `rfile` and `wfile` over a connection. Works on any
 * `Duplex` (a TCP or Unix `net.Socket`, or a relayed stream under other strategies).
 */
import type { Socket } from 'node:net';
import {
  BaseRequestHandler,
  brand,
  requestInfo,
  type StreamRequest,
} from '@sockserve/core/handler';
import type { ProxyHeader } from '@sockserve/proxy-protocol';
import { finishForeign } from './foreign-writer.js';
import type { MinReadRate } from './min-read-rate.js';
import { DEFAULT_MAX_LINE_LENGTH, readerWithKnownOptions, StreamReader } from './stream-reader.js';
import {
  closeWriterIfFlushed,
  closeWriterNow,
  isOwnWriter,
  StreamWriter,
} from './stream-writer.js';
import type { WritableFile } from './writable-file.js';

/** The writer options of a handler without a `timeout` (one object for every connection). */
const NO_WRITE_TIMEOUT = Object.freeze({ timeout: null });

/**
 * Python's `socketserver.StreamRequestHandler`. Override `handle()` and use `this.rfile`
 * (`readline()`, `read(n)`, `readExactly(n)`, `for await (const line of this.rfile)`) and
 * `this.wfile` (`write()`). Set the attributes as class fields, as in Python. Branded, so
 * `instanceof` holds across two loaded copies of `@sockserve/stream`.
 *
 * `rfile` and `wfile` are made the first time they are used (with the attributes as they are
 * then), so a handler that never reads or writes through them pays nothing for them.
 */
export class StreamRequestHandler<TServer = unknown> extends BaseRequestHandler<
  StreamRequest,
  TServer
> {
  static {
    brand(StreamRequestHandler, 'sockserve.StreamRequestHandler');
  }

  /**
   * The PROXY header the server read before this request (its `proxyProtocol` option):
   * version, command, source, destination, TLVs; `undefined` without one. `clientAddress` is
   * already its source (the proxy's own address for a LOCAL health check).
   */
  get proxy(): ProxyHeader | undefined {
    return requestInfo(this.request)?.['proxy'] as ProxyHeader | undefined;
  }

  /**
   * ms a read may wait for data, and a write for the client to take it (Python's `timeout`,
   * in seconds, which also bounds `sendall`); `null` (the default): none. Reads then fail
   * with `ReadTimeoutError`, writes with `WriteTimeoutError`.
   */
  declare timeout: number | null;
  /**
   * ms the client may send nothing while `rfile` waits with nothing buffered — between
   * requests on a persistent connection, and before the first byte unless
   * `firstByteTimeout` is set; then reads end as at end of stream, so the handler finishes
   * normally and the connection is closed (published on `sockserve:connection.idle`). Unlike
   * `timeout` it does not bound a read in the middle of a request. `null` (the default, as
   * Python, which has none): never. The `sockserve` command sets a default (on this
   * prototype; worker threads and child processes get it from the strategy, core's
   * `remote/handler-defaults.ts`).
   */
  declare idleTimeout: number | null;
  /**
   * ms a connection may stay without its first byte while `rfile` waits, before it is ended
   * as `idleTimeout` ends one (reason `'first-byte-timeout'`); `null` (the default):
   * `idleTimeout` applies from the start.
   */
  declare firstByteTimeout: number | null;
  /**
   * The minimum data rate of a read waiting for the rest of a request (part of it already
   * here): once the client has sent less than `bytesPerSecond` on average since the read began
   * waiting, counted after `graceMs`, the partial request is dropped and reads end as at end
   * of stream, so the handler finishes and the connection is closed (published on
   * `sockserve:connection.idle`, reason `'min-rate'`). Stops a slowloris, which keeps a
   * connection by sending a byte every few seconds (Apache's mod_reqtimeout `MinRate`). `null`
   * (the default, as Python, which has none): no minimum. The `sockserve` command sets a
   * default; worker threads and child processes get it as they get `idleTimeout`.
   */
  declare minReadRate: MinReadRate | null;
  /** Sets TCP_NODELAY on the connection (Python's `disable_nagle_algorithm`). Default false. */
  declare disableNagleAlgorithm: boolean;
  /** Longest line `rfile.readline()` accepts (bytes, newline included). Default 64 KiB. */
  declare maxLineLength: number;
  #rfile: StreamReader | undefined;
  /** Ours, or what the handler replaced it with (any {@link WritableFile}). */
  #wfile: StreamWriter | WritableFile | undefined;
  /** `finish()` ran: files made after it are made closed, as if they had existed. */
  #finished = false;

  /** Reads from the client (Python's `rfile`); made on first use. */
  get rfile(): StreamReader {
    if (this.#rfile === undefined) {
      this.#rfile = StreamRequestHandler.#defaultSettings(this)
        ? new StreamReader(this.request)
        : StreamRequestHandler.#configuredReader(this);
      if (this.isDraining) this.#rfile.drain();
      if (this.#finished) this.#rfile.close();
    }
    return this.#rfile;
  }

  /** True when every reader setting is its default (nothing to check or pass on). */
  static #defaultSettings(self: StreamRequestHandler): boolean {
    return (
      self.timeout === null &&
      self.idleTimeout === null &&
      self.firstByteTimeout === null &&
      self.minReadRate === null &&
      self.maxLineLength === DEFAULT_MAX_LINE_LENGTH
    );
  }

  /** A reader with the handler's settings as they are now, checked. */
  static #configuredReader(self: StreamRequestHandler): StreamReader {
    return readerWithKnownOptions(self.request, {
      timeout: self.timeout,
      maxLineLength: self.maxLineLength,
      idleTimeout: self.idleTimeout,
      firstByteTimeout: self.firstByteTimeout,
      minReadRate: self.minReadRate,
      // Set by the first-bytes hand-over when another process read the first bytes.
      firstBytesAt:
        self.minReadRate === null
          ? undefined
          : (requestInfo(self.request)?.['firstBytesAt'] as number | undefined),
    });
  }

  set rfile(reader: StreamReader) {
    this.#rfile = reader;
  }

  /**
   * Writes to the client (Python's `wfile`); made on first use. Typed as sockserve's own
   * `StreamWriter`; after `this.wfile = other` it is `other` as set (a {@link WritableFile}).
   */
  get wfile(): StreamWriter {
    const wfile = this.#wfile;
    if (wfile !== undefined) return wfile as StreamWriter;
    const timeout = this.timeout;
    const writer = new StreamWriter(
      this.request,
      timeout === null ? NO_WRITE_TIMEOUT : { timeout },
    );
    this.#wfile = writer;
    if (this.#finished) closeWriterNow(writer);
    return writer;
  }

  /**
   * Replaces `wfile` (a `setup()` that wraps it, as Python allows any file-like object): a
   * `StreamWriter` subclass, or any object with `write(data)` — a {@link WritableFile}, no
   * cast needed. `LineRequestHandler` writes its replies through that `write()` and waits for
   * the promise it returns; `finish()` calls its `flush()` and `close()` when it has them.
   */
  set wfile(writer: WritableFile) {
    this.#wfile = writer;
  }

  /** Applies `disableNagleAlgorithm` (`rfile` and `wfile` are made when first used). */
  override setup(): void | Promise<void> {
    const stream = this.request;
    if (this.disableNagleAlgorithm && typeof (stream as Socket).setNoDelay === 'function') {
      (stream as Socket).setNoDelay(true);
    }
  }

  /** Closing server: finish the request in hand, then see end of stream instead of waiting. */
  protected override onDraining(): void {
    this.#rfile?.drain();
  }

  /**
   * Flushes `wfile` (errors from a vanished client are ignored, as in Python) and closes both
   * files. Synchronous when there is nothing to flush (the usual case): no promise per request.
   * A replaced `wfile` (any other object, or a subclass overriding `write`/`flush`/`close`)
   * gets its own `flush()` and `close()` called, as Python's `finish()` does.
   */
  override finish(): void | Promise<void> {
    this.#finished = true;
    const wfile = this.#wfile;
    if (wfile !== undefined && !isOwnWriter(wfile)) {
      return StreamRequestHandler.#finishForeign(this, wfile);
    }
    if (wfile === undefined || closeWriterIfFlushed(wfile as StreamWriter)) {
      this.#rfile?.close();
      return;
    }
    return StreamRequestHandler.#flushAndClose(this, wfile as StreamWriter);
  }

  /** A replaced `wfile` (see foreign-writer.ts): its own `flush()` and `close()`, as Python's. */
  static async #finishForeign(self: StreamRequestHandler, wfile: unknown): Promise<void> {
    try {
      await finishForeign(wfile);
    } finally {
      self.#rfile?.close();
    }
  }

  static async #flushAndClose(self: StreamRequestHandler, wfile: StreamWriter): Promise<void> {
    try {
      await wfile.close();
    } catch {
      // The client went away; nothing left to flush to.
    }
    self.#rfile?.close();
  }
}

// The attributes' defaults live on the prototype: a class field in a subclass overrides them,
// and a connection does not carry three slots of defaults.
StreamRequestHandler.prototype.timeout = null;
StreamRequestHandler.prototype.idleTimeout = null;
StreamRequestHandler.prototype.firstByteTimeout = null;
StreamRequestHandler.prototype.minReadRate = null;
StreamRequestHandler.prototype.disableNagleAlgorithm = false;
StreamRequestHandler.prototype.maxLineLength = DEFAULT_MAX_LINE_LENGTH;
