/**
 * Python's `DatagramRequestHandler`: `rfile` over the received datagram, `wfile` collecting
 * the reply, sent back to the client in `finish()` — even when empty, as in Python.
 */
import { BaseRequestHandler, type DatagramRequest } from '@sockserve/core';
import { brand } from '@sockserve/core/kit';
import { StreamReader } from './stream-reader.js';

/** Collects a datagram reply in memory (Python's `BytesIO` wfile). */
export class DatagramWriter {
  readonly #parts: Buffer[] = [];
  #length = 0;

  /** Appends a copy of `data` to the reply (like BytesIO). Resolves at once: nothing is sent before `finish()`. */
  write(data: string | Uint8Array): Promise<void> {
    const chunk = Buffer.from(data);
    this.#parts.push(chunk);
    this.#length += chunk.length;
    return Promise.resolve();
  }

  /** Bytes collected so far. */
  get length(): number {
    return this.#length;
  }

  /** The reply so far (Python's `getvalue()`). */
  getValue(): Buffer {
    return Buffer.concat(this.#parts, this.#length);
  }
}

/**
 * Python's `socketserver.DatagramRequestHandler`; see the module comment. Branded, so
 * `instanceof` holds across two loaded copies of `@sockserve/stream`.
 */
export class DatagramRequestHandler<TServer = unknown> extends BaseRequestHandler<
  DatagramRequest,
  TServer
> {
  static {
    brand(DatagramRequestHandler, 'sockserve.DatagramRequestHandler');
  }

  /** The datagram's bytes (Python's `self.packet`). Set by `setup()`. */
  packet!: Buffer;
  /** Reads the datagram. Set by `setup()`. */
  rfile!: StreamReader;
  /** Collects the reply. Set by `setup()`. */
  wfile!: DatagramWriter;

  /** Creates `rfile` over the datagram and an empty `wfile`. */
  override setup(): void | Promise<void> {
    this.packet = this.request.data;
    this.rfile = StreamReader.fromBuffer(this.packet);
    this.wfile = new DatagramWriter();
  }

  /**
   * Sends what `wfile` holds back to the client (even nothing). A sender with no address (an
   * unbound Unix datagram socket) can't be answered: the reply is skipped, not an error.
   */
  override async finish(): Promise<void> {
    if (this.request.canReply) await this.request.reply(this.wfile.getValue());
  }
}
