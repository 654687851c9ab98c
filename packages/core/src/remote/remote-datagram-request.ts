/** The datagram request a handler gets in a runner; its reply goes back through the server. */
import type { DatagramRequest } from '../transport.js';

/** A datagram handled in a runner; `reply()` is sent by the server from its own address. */
export class RemoteDatagramRequest implements DatagramRequest {
  readonly data: Buffer;
  readonly canReply: boolean;
  readonly #reply: (data: Uint8Array) => Promise<void>;

  /** `data`: the datagram as it crossed to the runner (viewed as a Buffer, not copied). */
  constructor(data: Uint8Array, canReply: boolean, reply: (data: Uint8Array) => Promise<void>) {
    this.data = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    this.canReply = canReply;
    this.#reply = reply;
  }

  /** Sends `data` to the client through the server; rejects when the server's send failed. */
  reply(data: Uint8Array): Promise<void> {
    return this.#reply(data);
  }
}
