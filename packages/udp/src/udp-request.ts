/** The request a UDPServer hands its handler: Python's `(data, socket)` pair. */
import type { Socket } from 'node:dgram';
import type { DatagramRequest } from '@sockserve/core';

const DONE = Promise.resolve();

/**
 * One received datagram. `reply()` answers from the server's own socket and address;
 * `socket` is that `dgram.Socket` (Python's `self.request[1]`) for handlers that want
 * `socket.send(…, port, host)` themselves.
 */
export class UdpDatagramRequest implements DatagramRequest {
  /** The payload (Python's `self.request[0]`). */
  readonly data: Buffer;
  /** The server's socket (Python's `self.request[1]`). */
  readonly socket: Socket;
  /** Always true: a UDP sender always has an address. */
  readonly canReply = true;
  readonly #host: string;
  readonly #port: number;

  constructor(data: Buffer, socket: Socket, host: string, port: number) {
    this.data = data;
    this.socket = socket;
    this.#host = host;
    this.#port = port;
  }

  /**
   * Sends one datagram back to the sender. Resolves once it is queued: UDP gives no delivery
   * report, and `dgram` sends markedly faster without a per-send callback; a send error
   * (rare on a bound socket: EMSGSIZE, ENOBUFS) is reported on the server socket, once.
   */
  reply(data: Uint8Array): Promise<void> {
    this.socket.send(data, this.#port, this.#host);
    return DONE;
  }
}
