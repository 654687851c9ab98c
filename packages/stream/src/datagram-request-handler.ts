/**
 * Python's `DatagramRequestHandler`: `rfile` over the received datagram, `wfile` collecting
 * the reply, sent back to the client in `finish()` — even when empty, as in Python. `rfile`
 * and `wfile` are made when first used: a handler that answers from `packet` pays for neither.
 */
// Imported, not the global: Node defines `globalThis.Buffer` as an accessor, so each use of the
// global in a reply's path was a global-load IC miss and a getter call (~160 instructions a
// datagram, issue 11); a module binding is a constant to the compiler.
import { Buffer } from 'node:buffer';
import {
  BaseRequestHandler,
  brand,
  type DatagramRequest,
  FINISH_THEN,
  requestInfo,
} from '@sockserve/core/handler';
import type { ProxyHeader } from '@sockserve/proxy-protocol';
import { StreamReader } from './stream-reader.js';

const EMPTY = Buffer.alloc(0);
const DONE = Promise.resolve();

/** The reply a writer holds, without a copy when it is one piece (set below). */
let replyOf: (writer: DatagramWriter) => Buffer;

/** Collects a datagram reply in memory (Python's `BytesIO` wfile). */
export class DatagramWriter {
  /** The first part, and the others (made only for a second write: most replies are one). */
  #first: Buffer | undefined;
  #rest: Buffer[] | undefined;
  #length = 0;

  static {
    // Each part is already the writer's own copy: one part is sent as it is.
    replyOf = (writer) =>
      writer.#rest === undefined ? (writer.#first ?? EMPTY) : writer.getValue();
  }

  /** Appends a copy of `data` to the reply (like BytesIO). Resolves at once: nothing is sent before `finish()`. */
  write(data: string | Uint8Array): Promise<void> {
    const chunk = Buffer.from(data);
    if (this.#first === undefined) this.#first = chunk;
    else if (this.#rest === undefined) this.#rest = [chunk];
    else this.#rest.push(chunk);
    this.#length += chunk.length;
    return DONE;
  }

  /** Bytes collected so far. */
  get length(): number {
    return this.#length;
  }

  /** The reply so far (Python's `getvalue()`). */
  getValue(): Buffer {
    const first = this.#first;
    if (first === undefined) return Buffer.alloc(0);
    return Buffer.concat(this.#rest === undefined ? [first] : [first, ...this.#rest], this.#length);
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

  /**
   * The PROXY header the server read before this request (its `proxyProtocol` option):
   * version, command, source, destination, TLVs; `undefined` without one. `clientAddress` is
   * already its source (the proxy's own address for a LOCAL health check).
   */
  get proxy(): ProxyHeader | undefined {
    return requestInfo(this.request)?.['proxy'] as ProxyHeader | undefined;
  }

  /** The datagram's bytes (Python's `self.packet`). Set by `setup()`. */
  packet!: Buffer;
  #rfile: StreamReader | undefined;
  #wfile: DatagramWriter | undefined;

  /** Reads the datagram; made on first use. */
  get rfile(): StreamReader {
    this.#rfile ??= StreamReader.fromBuffer(this.packet ?? this.request.data);
    return this.#rfile;
  }

  set rfile(reader: StreamReader) {
    this.#rfile = reader;
  }

  /** Collects the reply; made on first use. */
  get wfile(): DatagramWriter {
    this.#wfile ??= new DatagramWriter();
    return this.#wfile;
  }

  set wfile(writer: DatagramWriter) {
    this.#wfile = writer;
  }

  /** Sets `packet` to the datagram (`rfile` and `wfile` are made when first used). */
  override setup(): void | Promise<void> {
    this.packet = this.request.data;
  }

  /**
   * Sends what `wfile` holds back to the client (even nothing). A sender with no address (an
   * unbound Unix datagram socket) can't be answered: the reply is skipped, not an error.
   */
  override finish(): Promise<void> {
    const request = this.request;
    if (!request.canReply) return DONE;
    const wfile = this.#wfile;
    // Not `async`: the reply's own promise is returned, no second one per datagram.
    return request.reply(wfile === undefined ? EMPTY : replyOf(wfile));
  }

  /**
   * @internal {@link finish} by callback, for the server's own lifecycle: the reply is sent
   * with the transport's `replyThen()` (no promise per datagram). Declines (false) when a
   * subclass overrode `finish()` or the transport has no `replyThen()`.
   */
  [FINISH_THEN](done: (error?: Error | null) => void): boolean {
    const request = this.request;
    if (this.finish !== DatagramRequestHandler.prototype.finish) return false;
    if (!request.canReply) {
      done(null);
      return true;
    }
    if (request.replyThen === undefined) return false;
    const wfile = this.#wfile;
    request.replyThen(wfile === undefined ? EMPTY : replyOf(wfile), done);
    return true;
  }
}
