/**
 * The Unix stream transport: core's `net.Server` transport (shared with TCP) bound in place
 * at a socket file that {@link SocketFile} claims (clearing a stale one, applying `mode`)
 * and removes. With `inherited` set it adopts an inherited listening socket (socket
 * activation) instead: no file is claimed, and none is removed at close — it is not ours.
 */
import type { Socket } from 'node:net';
import {
  type IncomingRequest,
  type ServerTransport,
  type TransportStats,
  type UnixAddress,
  unixAddress,
} from '@sockserve/core';
import { NetListenerTransport } from '@sockserve/core/kit';
import {
  proxyHeaderPreamble,
  proxyTrustPreamble,
  type ResolvedProxyProtocol,
} from '@sockserve/proxy-protocol/server';
import { SocketFile } from './socket-file.js';

/** Every client's address (frozen, so one for all): Node doesn't report a Unix peer's path. */
const UNBOUND_CLIENT = unixAddress('');

/** How a {@link UnixStreamTransport} binds; filled in by `UnixStreamServer`. */
export interface UnixStreamTransportConfig {
  readonly path: string;
  /** An inherited listening socket to adopt instead of binding `path` (its bound path). */
  readonly inherited?: { readonly fd: number; readonly path: string };
  readonly mode: number | undefined;
  readonly queueCapacity: number;
  readonly closeTimeout: number;
  readonly maxConnections: number | undefined;
  /** Read a PROXY header on every connection (the server's `proxyProtocol`). */
  readonly proxyProtocol: ResolvedProxyProtocol | undefined;
  /** The header is read in the worker or child (`parseIn: 'runner'` under threading/forking). */
  readonly proxyInRunner?: boolean;
}

/** `ServerTransport` over a Unix stream socket; see the module comment. */
export class UnixStreamTransport implements ServerTransport<Socket> {
  readonly kind = 'stream';
  /** As its inner `NetListenerTransport`'s: connections reach the loop in `bind()`'s context. */
  readonly eventsInBindScope = true;
  readonly address: UnixAddress;
  readonly #config: UnixStreamTransportConfig;
  readonly #file: SocketFile;
  #inner: NetListenerTransport | undefined;
  /** The guarded close of the listener that `stopAccepting()` started, if it did. */
  #stopping: Promise<void> | undefined;

  constructor(config: UnixStreamTransportConfig) {
    this.#config = config;
    this.address = unixAddress(config.inherited?.path ?? config.path);
    this.#file = new SocketFile(config.path, config.mode, config.path);
  }

  get stats(): Readonly<TransportStats> {
    return this.#inner?.stats ?? { accepted: 0, refused: 0, oversized: 0, shed: 0, dropped: 0 };
  }

  /** The listening `net.Server`, once bound. */
  get listener() {
    return this.#inner?.listener;
  }

  async bind(): Promise<void> {
    if (this.#config.inherited !== undefined) {
      const candidate = this.#listener((listen) => listen());
      try {
        await candidate.bind();
      } catch (error) {
        await candidate.close();
        throw error;
      }
      this.#inner = candidate;
      return;
    }
    let inner: NetListenerTransport | undefined;
    try {
      await this.#file.claim(async (underMode) => {
        const candidate = this.#listener(underMode);
        try {
          await candidate.bind();
        } catch (error) {
          await candidate.close();
          throw error;
        }
        inner = candidate;
      });
    } catch (error) {
      const bound = inner;
      await this.#file.release(() => bound?.close());
      throw error;
    }
    this.#inner = inner;
  }

  #listener(underMode: (bind: () => void) => void): NetListenerTransport {
    return new NetListenerTransport({
      listen:
        this.#config.inherited === undefined
          ? { path: this.#config.path }
          : { fd: this.#config.inherited.fd },
      aroundListen: underMode,
      queueCapacity: this.#config.queueCapacity,
      ...(this.#config.maxConnections === undefined
        ? {}
        : { maxConnections: this.#config.maxConnections }),
      ...(this.#config.proxyProtocol === undefined
        ? {}
        : {
            preamble: this.#config.proxyInRunner
              ? proxyTrustPreamble(this.#config.proxyProtocol)
              : proxyHeaderPreamble(this.#config.proxyProtocol),
          }),
      closeTimeout: this.#config.closeTimeout,
      describe:
        this.#config.inherited === undefined
          ? this.#config.path
          : `fd ${this.#config.inherited.fd}`,
      serverAddress: () => this.address,
      // Node doesn't report a Unix peer's path; Python's client_address is '' here too.
      clientAddress: () => UNBOUND_CLIENT,
    });
  }

  async activate(): Promise<void> {}

  take(signal?: AbortSignal): Promise<IncomingRequest<Socket> | undefined> {
    return this.#inner?.take(signal) ?? Promise.resolve(undefined);
  }

  /** The serve loop's fast path: the inner transport's (`NetListenerTransport.takeNext`). */
  takeNext(
    onNext: (incoming: IncomingRequest<Socket> | undefined) => void,
    signal?: AbortSignal,
    onError?: (error: unknown) => void,
  ): IncomingRequest<Socket> | undefined {
    const inner = this.#inner;
    if (inner !== undefined) return inner.takeNext(onNext, signal, onError);
    onNext(undefined);
    return undefined;
  }

  /**
   * Stops listening; connections already queued are still served (see `NetListenerTransport`).
   * libuv unlinks a listener's path when it closes, whatever is there by then, so the close
   * goes through the socket file's guarded release (never a file someone else put there).
   */
  stopAccepting(): void {
    const inner = this.#inner;
    if (inner === undefined) return;
    if (this.#config.inherited !== undefined) inner.stopAccepting();
    else if (this.#stopping === undefined) {
      this.#stopping = this.#file.release(() => inner.stopAccepting());
      this.#stopping.catch(() => {}); // close() awaits it and reports the failure
    }
  }

  shutdownRequest(socket: Socket): void {
    this.#inner?.shutdownRequest(socket);
  }

  closeRequest(socket: Socket): void {
    this.#inner?.closeRequest(socket);
  }

  async close(): Promise<void> {
    await this.#stopping;
    const inner = this.#inner;
    // An inherited socket's file belongs to whoever bound it (systemd): never unlinked here.
    if (this.#config.inherited !== undefined) await inner?.close();
    else await this.#file.release(() => inner?.close());
  }

  fileno(): number | undefined {
    return this.#inner?.fileno();
  }
}
