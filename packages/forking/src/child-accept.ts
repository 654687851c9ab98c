/**
 * A forking child's side of `acceptIn: 'children'` (Perl Net::Server::PreFork's children
 * accepting on the shared socket): the child holds a copy of the server's listening handle and,
 * once ready, listens on it; the first connection it accepts is its one request, and it stops
 * accepting at once — the listener is closed inside the `'connection'` callback, which closes
 * this process's descriptor, and libuv's accept loop (`uv__server_io`) runs only while the
 * descriptor is open, so it makes no second `accept()` in the same wake-up. Connections queued
 * meanwhile stay in the one kernel queue of the shared socket, for the next spare: the server
 * keeps its own copy of the socket open (see `listen-handle.ts`), so none is lost when a
 * child's copy closes — what a `reusePort` socket per child would lose.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { inetAddress, type SocketAddress, unixAddress } from '@sockserve/core';

/** Listens on a received listening handle for exactly one connection; see the module comment. */
export class AcceptOne {
  readonly #onConnection: (socket: Socket, clientAddress: SocketAddress) => void;
  readonly #onListenError: (error: Error) => void;
  #handle: unknown;
  #backlog = 511;
  #server: Server | undefined;
  #done = false;

  /**
   * `onConnection` gets the one connection, paused, with its client address; `onListenError`
   * the error of a `listen()` on the handle that failed (a closed or invalid handle: EINVAL,
   * EBADF…) — it has then stopped for good, and the turn must go to another spare.
   */
  constructor(
    onConnection: (socket: Socket, clientAddress: SocketAddress) => void,
    onListenError: (error: Error) => void = () => {},
  ) {
    this.#onConnection = onConnection;
    this.#onListenError = onListenError;
  }

  /** True while it listens. */
  get listening(): boolean {
    return this.#server !== undefined;
  }

  /** The server's listening handle arrived (kept until {@link start}). */
  give(handle: unknown, backlog: number): void {
    if (this.#done) return;
    this.#handle = handle;
    this.#backlog = backlog;
  }

  /** Starts listening, if it has the handle and took no connection yet. */
  start(): void {
    const handle = this.#handle;
    if (this.#done || this.#server !== undefined || handle === undefined) return;
    const server = createServer({ pauseOnConnect: true, allowHalfOpen: true });
    this.#server = server;
    server.on('connection', (socket: Socket) => {
      // Closed first: no second accept in this wake-up, none later.
      this.stop();
      const clientAddress =
        socket.remoteFamily === undefined
          ? unixAddress('')
          : inetAddress(socket.remoteAddress, socket.remotePort);
      this.#onConnection(socket, clientAddress);
    });
    // An accept error (EMFILE…) must not end the child; the next spare takes the connection.
    // An error while not listening is the listen's own (Node marks a server listening once its
    // handle's listen succeeded): this child can't accept at all.
    server.on('error', (error: Error) => {
      if (server.listening || this.#server !== server) return;
      this.stop();
      this.#onListenError(error);
    });
    try {
      server.listen(handle as Parameters<Server['listen']>[0], this.#backlog);
    } catch (error) {
      // Node checks what it was given synchronously (not a handle: ERR_INVALID_ARG_VALUE).
      this.stop();
      this.#onListenError(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** Stops for good: closes this process's copy of the listening handle. */
  stop(): void {
    this.#done = true;
    const handle = this.#server === undefined ? this.#handle : undefined;
    this.#handle = undefined;
    const server = this.#server;
    this.#server = undefined;
    if (server !== undefined) server.close();
    // Given but never listened on: the received handle is closed here.
    else (handle as { close?: () => void } | undefined)?.close?.();
  }
}
