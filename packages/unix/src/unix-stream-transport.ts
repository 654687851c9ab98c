/**
 * The Unix stream transport: core's `net.Server` transport (shared with TCP) bound to a
 * socket file that {@link SocketFile} prepares, places and removes.
 */
import type { Socket } from 'node:net';
import {
  type IncomingRequest,
  NetListenerTransport,
  type ServerTransport,
  type TransportStats,
  type UnixAddress,
  unixAddress,
} from '@sockserve/core';
import { SocketFile } from './socket-file.js';

/** How a {@link UnixStreamTransport} binds; filled in by `UnixStreamServer`. */
export interface UnixStreamTransportConfig {
  readonly path: string;
  readonly mode: number | undefined;
  readonly queueCapacity: number;
  readonly closeTimeout: number;
  readonly maxConnections: number | undefined;
}

/** `ServerTransport` over a Unix stream socket; see the module comment. */
export class UnixStreamTransport implements ServerTransport<Socket> {
  readonly kind = 'stream';
  readonly address: UnixAddress;
  readonly #config: UnixStreamTransportConfig;
  readonly #file: SocketFile;
  #inner: NetListenerTransport | undefined;

  constructor(config: UnixStreamTransportConfig) {
    this.#config = config;
    this.address = unixAddress(config.path);
    this.#file = new SocketFile(config.path, config.mode, config.path);
  }

  get stats(): Readonly<TransportStats> {
    return this.#inner?.stats ?? { accepted: 0, refused: 0, oversized: 0, dropped: 0 };
  }

  /** The listening `net.Server`, once bound. */
  get listener() {
    return this.#inner?.listener;
  }

  async bind(): Promise<void> {
    const bindPath = await this.#file.prepare(true);
    const inner = new NetListenerTransport({
      listen: { path: bindPath, backlog: this.#config.queueCapacity },
      queueCapacity: this.#config.queueCapacity,
      ...(this.#config.maxConnections === undefined
        ? {}
        : { maxConnections: this.#config.maxConnections }),
      closeTimeout: this.#config.closeTimeout,
      describe: this.#config.path,
      serverAddress: () => this.address,
      // Node doesn't report a Unix peer's path; Python's client_address is '' here too.
      clientAddress: () => unixAddress(''),
    });
    try {
      await inner.bind();
      await this.#file.commit(bindPath);
    } catch (error) {
      await inner.close();
      await this.#file.release();
      throw error;
    }
    this.#inner = inner;
  }

  async activate(): Promise<void> {}

  take(signal?: AbortSignal): Promise<IncomingRequest<Socket> | undefined> {
    return this.#inner?.take(signal) ?? Promise.resolve(undefined);
  }

  /** Stops listening; connections already queued are still served (see `NetListenerTransport`). */
  stopAccepting(): void {
    this.#inner?.stopAccepting();
  }

  shutdownRequest(socket: Socket): void {
    this.#inner?.shutdownRequest(socket);
  }

  closeRequest(socket: Socket): void {
    this.#inner?.closeRequest(socket);
  }

  async close(): Promise<void> {
    await this.#inner?.close();
    await this.#file.release();
  }

  fileno(): number | undefined {
    return this.#inner?.fileno();
  }
}
