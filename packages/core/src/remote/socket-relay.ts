/**
 * The server side of a relayed connection: moves the client socket's bytes to the runner and
 * the runner's writes to the socket, honouring the runner's pause/resume and acknowledging
 * writes once the socket took them (see `RelayDuplex`).
 */
import type { Duplex } from 'node:stream';
import { type FromRunner, type ToRunner, toRemoteError } from './protocol.js';

/** Relays one connection between a socket and a runner; see the module comment. */
export class SocketRelay {
  readonly #id: number;
  readonly #socket: Duplex;
  readonly #post: (message: ToRunner) => void;
  #stopped = false;
  readonly #onData = (chunk: Buffer) => {
    this.#post({
      t: 'data',
      id: this.#id,
      chunk: new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength),
    });
  };
  readonly #onEnd = () => this.#post({ t: 'eof', id: this.#id });
  readonly #onClose = () => {
    if (this.#stopped) return;
    this.#post({
      t: 'abort',
      id: this.#id,
      error: this.#socket.errored ? toRemoteError(this.#socket.errored) : undefined,
    });
  };

  constructor(id: number, socket: Duplex, post: (message: ToRunner) => void) {
    this.#id = id;
    this.#socket = socket;
    this.#post = post;
  }

  /** Starts reading the client's bytes. */
  start(): void {
    this.#socket.on('data', this.#onData);
    this.#socket.on('end', this.#onEnd);
    this.#socket.on('close', this.#onClose);
    this.#socket.resume();
  }

  /** Applies a runner message for this connection. */
  receive(message: FromRunner): void {
    const socket = this.#socket;
    switch (message.t) {
      case 'write': {
        if (socket.destroyed || socket.writableEnded) return;
        let bytes = 0;
        for (const chunk of message.chunks) bytes += chunk.byteLength;
        const last = message.chunks.length - 1;
        message.chunks.forEach((chunk, i) => {
          socket.write(
            chunk,
            i === last ? () => this.#post({ t: 'written', id: this.#id, bytes }) : undefined,
          );
        });
        return;
      }
      case 'pause':
        socket.pause();
        return;
      case 'resume':
        socket.resume();
        return;
      case 'end':
        if (!socket.destroyed) socket.end();
        return;
      default:
        return;
    }
  }

  /** Stops relaying (the request is done); the socket is then the server's to close. */
  stop(): void {
    this.#stopped = true;
    this.#socket.off('data', this.#onData);
    this.#socket.off('end', this.#onEnd);
    this.#socket.off('close', this.#onClose);
  }
}
