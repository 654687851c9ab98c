/**
 * Python's `StreamRequestHandler`: `rfile` and `wfile` over a connection. Works on any
 * `Duplex` (a TCP or Unix `net.Socket`, or a relayed stream under other strategies).
 */
import type { Socket } from 'node:net';
import { BaseRequestHandler, type StreamRequest } from '@sockserve/core';
import { brand } from '@sockserve/core/kit';
import { DEFAULT_MAX_LINE_LENGTH, StreamReader } from './stream-reader.js';
import { StreamWriter } from './stream-writer.js';

/**
 * Python's `socketserver.StreamRequestHandler`. Override `handle()` and use `this.rfile`
 * (`readline()`, `read(n)`, `readExactly(n)`, `for await (const line of this.rfile)`) and
 * `this.wfile` (`write()`). Set the attributes as class fields, as in Python. Branded, so
 * `instanceof` holds across two loaded copies of `@sockserve/stream`.
 */
export class StreamRequestHandler<TServer = unknown> extends BaseRequestHandler<
  StreamRequest,
  TServer
> {
  static {
    brand(StreamRequestHandler, 'sockserve.StreamRequestHandler');
  }

  /**
   * ms a read may wait for data, and a write for the client to take it (Python's `timeout`,
   * in seconds, which also bounds `sendall`); `null`: none. Reads then fail with
   * `ReadTimeoutError`, writes with `WriteTimeoutError`.
   */
  timeout: number | null = null;
  /** Sets TCP_NODELAY on the connection (Python's `disable_nagle_algorithm`). */
  disableNagleAlgorithm = false;
  /** Longest line `rfile.readline()` accepts (bytes, newline included). */
  maxLineLength = DEFAULT_MAX_LINE_LENGTH;
  /** Reads from the client. Set by `setup()`. */
  rfile!: StreamReader;
  /** Writes to the client. Set by `setup()`. */
  wfile!: StreamWriter;

  /** Creates `rfile` and `wfile` and applies `disableNagleAlgorithm`. */
  override setup(): void | Promise<void> {
    const stream = this.request;
    if (this.disableNagleAlgorithm && typeof (stream as Socket).setNoDelay === 'function') {
      (stream as Socket).setNoDelay(true);
    }
    this.rfile = new StreamReader(stream, {
      timeout: this.timeout,
      maxLineLength: this.maxLineLength,
    });
    this.wfile = new StreamWriter(stream, { timeout: this.timeout });
    if (this.isDraining) this.rfile.drain();
  }

  /** Closing server: finish the request in hand, then see end of stream instead of waiting. */
  protected override onDraining(): void {
    this.rfile?.drain();
  }

  /** Flushes `wfile` (errors from a vanished client are ignored, as in Python) and closes both files. */
  override async finish(): Promise<void> {
    try {
      await this.wfile.close();
    } catch {
      // The client went away; nothing left to flush to.
    }
    this.rfile.close();
  }
}
