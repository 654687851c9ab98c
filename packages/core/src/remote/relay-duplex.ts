/**
 * The runner side of a relayed connection: a `Duplex` the handler reads and writes as if it
 * were the socket, while the server thread or process owns the real one. Backpressure holds
 * both ways: when the handler reads slowly the runner asks the server to pause the socket;
 * the handler's writes are acknowledged once the server's socket took them, and at most
 * `WRITE_WINDOW` bytes may be unacknowledged before `write()` reports backpressure.
 */
import { Duplex } from 'node:stream';
import type { FromRunner, ToRunner } from './protocol.js';
import { fromRemoteError } from './remote-error.js';

/** @internal Bytes a handler may have in flight to the server before its writes wait. */
export const WRITE_WINDOW = 1024 * 1024;

/** A handler-facing stream whose bytes travel as messages; see the module comment. */
export class RelayDuplex extends Duplex {
  readonly #id: number;
  readonly #post: (message: FromRunner) => void;
  #paused = false;
  #unacknowledged = 0;
  #waitingWrite: ((error?: Error | null) => void) | undefined;

  constructor(id: number, post: (message: FromRunner) => void) {
    super({ allowHalfOpen: true });
    this.#id = id;
    this.#post = post;
  }

  /** Bytes from the client. */
  deliver(chunk: Uint8Array): void {
    const buffer = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (!this.push(buffer) && !this.#paused) {
      this.#paused = true;
      this.#post({ t: 'pause', id: this.#id });
    }
  }

  /** The client ended its side. */
  deliverEnd(): void {
    this.push(null);
  }

  /** The server's socket took `bytes` of what this side wrote. */
  acknowledge(bytes: number): void {
    this.#unacknowledged -= bytes;
    const waiting = this.#waitingWrite;
    if (waiting !== undefined && this.#unacknowledged < WRITE_WINDOW) {
      this.#waitingWrite = undefined;
      waiting();
    }
  }

  override _read(): void {
    if (this.#paused) {
      this.#paused = false;
      this.#post({ t: 'resume', id: this.#id });
    }
  }

  override _writev(
    chunks: Array<{ chunk: Buffer; encoding: BufferEncoding }>,
    callback: (error?: Error | null) => void,
  ): void {
    const data = chunks.map(
      ({ chunk }) => new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength),
    );
    for (const part of data) this.#unacknowledged += part.byteLength;
    this.#post({ t: 'write', id: this.#id, chunks: data });
    if (this.#unacknowledged < WRITE_WINDOW) callback();
    else this.#waitingWrite = callback;
  }

  override _write(
    chunk: Buffer,
    encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): void {
    this._writev([{ chunk, encoding }], callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#post({ t: 'end', id: this.#id });
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const waiting = this.#waitingWrite;
    this.#waitingWrite = undefined;
    waiting?.(error ?? new Error('the connection closed'));
    callback(error);
  }
}

/** What the server sends a relayed connection's stream: client bytes, its end, an abort, acknowledgements. */
export type RelayMessage = Extract<ToRunner, { t: 'data' | 'eof' | 'abort' | 'written' }>;

/** Applies `message` to `relay` (undefined: that request ended here already: dropped). */
export function deliverToRelay(relay: RelayDuplex | undefined, message: RelayMessage): void {
  if (relay === undefined) return;
  switch (message.t) {
    case 'data':
      relay.deliver(message.chunk);
      return;
    case 'eof':
      relay.deliverEnd();
      return;
    case 'abort':
      relay.destroy(
        message.error === undefined ? undefined : fromRemoteError(message.error, 'the server'),
      );
      return;
    case 'written':
      relay.acknowledge(message.bytes);
      return;
  }
}
