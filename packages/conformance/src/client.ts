/** Real-socket clients for the suite: connect, send, read to the end. */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import type { SocketAddress } from '@sockserve/core';

/**
 * How the suite's stream clients open a connection to a server's address, resolving once it is
 * ready for bytes. The default, {@link connectTo}, is a plain TCP or Unix socket; a transport
 * whose bytes are wrapped gives its own (TLS: `tls.connect`, resolving at `secureConnect` —
 * a `TLSSocket` is a `net.Socket`).
 */
export type StreamConnect = (address: SocketAddress) => Promise<Socket>;

/** Connects to a TCP or Unix stream server's address (the default {@link StreamConnect}). */
export async function connectTo(address: SocketAddress): Promise<Socket> {
  const socket =
    address.family === 'unix'
      ? connect({ path: address.path })
      : connect({
          host: address.host === '::' || address.host === '0.0.0.0' ? 'localhost' : address.host,
          port: address.port,
        });
  await once(socket, 'connect');
  return socket;
}

/** Everything the peer sends until it ends the connection (rejects on a reset). */
export async function readToEnd(socket: Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of socket) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A persistent line client: `line()` returns the next line ('' at end of stream). */
export class LineClient {
  readonly socket: Socket;
  #buffer = '';
  #ended = false;
  #error: Error | undefined;
  #wake: (() => void) | undefined;

  constructor(socket: Socket) {
    this.socket = socket;
    socket.setEncoding('latin1');
    socket.on('data', (text: string) => {
      this.#buffer += text;
      this.#notify();
    });
    socket.on('end', () => {
      this.#ended = true;
      this.#notify();
    });
    socket.on('close', () => {
      this.#ended = true;
      this.#notify();
    });
    socket.on('error', (error) => {
      this.#error = error;
      this.#notify();
    });
  }

  /** Connects a new line client (with `connect`, default {@link connectTo}). */
  static async connect(
    address: SocketAddress,
    connect: StreamConnect = connectTo,
  ): Promise<LineClient> {
    return new LineClient(await connect(address));
  }

  /** The next line with its `\n`; what is left ('' when nothing) at end of stream. */
  async line(): Promise<string> {
    for (;;) {
      const nl = this.#buffer.indexOf('\n');
      if (nl >= 0) {
        const line = this.#buffer.slice(0, nl + 1);
        this.#buffer = this.#buffer.slice(nl + 1);
        return line;
      }
      if (this.#error !== undefined) throw this.#error;
      if (this.#ended) {
        const rest = this.#buffer;
        this.#buffer = '';
        return rest;
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  /** Everything until the end of stream. */
  async rest(): Promise<string> {
    while (!this.#ended && this.#error === undefined) {
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
    if (this.#error !== undefined) throw this.#error;
    const rest = this.#buffer;
    this.#buffer = '';
    return rest;
  }

  /** Sends text. */
  write(text: string): void {
    this.socket.write(text);
  }

  /** Closes the connection. */
  close(): void {
    this.socket.destroy();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

/** Connects (with `connect`, default {@link connectTo}), sends `data`, half-closes, and returns the whole reply. */
export async function exchange(
  address: SocketAddress,
  data: string | Uint8Array,
  connect: StreamConnect = connectTo,
): Promise<Buffer> {
  const socket = await connect(address);
  try {
    socket.end(data);
    return await readToEnd(socket);
  } finally {
    socket.destroy();
  }
}
