/**
 * @internal The connections of one stream listener whose preamble (a PROXY header) is still
 * running: started at accept, handed to the listener once the preamble accepts, and — when
 * the server stops accepting — each counted (`stats.<name>Rejected`, reason `closing`),
 * published and reset, so none vanishes from the counters. One object per listener: nothing
 * is allocated per connection beyond the preamble's own read.
 */
import type { Socket } from 'node:net';
import { abortConnection } from './abort-connection.js';
import type { SocketAddress } from './address.js';
import {
  type ConnectionPreamble,
  type PreambleSettle,
  type PreambleSink,
  preambleClosing,
  runPreamble,
  settlePreamble,
} from './connection-preamble.js';
import type { TransportStats } from './transport.js';

/** What the listener does with a connection once its preamble is over. */
export interface PreambleListener {
  readonly stats: TransportStats;
  /** The listener's bound address, for published messages. */
  address(): SocketAddress | undefined;
  /** The preamble accepted: queue the connection as `client` (or refuse it on its own limits). */
  admit(socket: Socket, client: SocketAddress): void;
  /** The connection is going away: release what the listener counts for it. */
  release(socket: Socket): void;
}

/** @internal See the module comment. */
export class PreambleRuns {
  readonly #preamble: ConnectionPreamble;
  readonly #listener: PreambleListener;
  /** Aborts every preamble in progress at once (one signal for all: cheap). */
  readonly #abort = new AbortController();
  /** The connections in their preamble, with their peer. */
  readonly #running = new Map<Socket, SocketAddress>();
  readonly #sink: PreambleSink;
  /** For a preamble with `start`: one function for every connection. */
  readonly #settle: PreambleSettle = (socket, outcome) => {
    const peer = this.#running.get(socket);
    // Gone from the map: the server stopped accepting, and abort() counted and reset it.
    if (peer === undefined) return;
    settlePreamble(this.#preamble.name, socket, peer, this.#abort.signal, this.#sink, outcome);
  };

  constructor(preamble: ConnectionPreamble, listener: PreambleListener) {
    this.#preamble = preamble;
    this.#listener = listener;
    this.#sink = {
      stats: listener.stats,
      address: () => listener.address(),
      admit: (socket, client) => {
        this.#running.delete(socket);
        listener.admit(socket, client);
      },
      drop: (socket) => {
        this.#running.delete(socket);
        listener.release(socket);
        abortConnection(socket);
      },
    };
  }

  /** Runs the preamble on an accepted connection (`peer`: the socket's own peer). */
  start(socket: Socket, peer: SocketAddress): void {
    this.#running.set(socket, peer);
    const preamble = this.#preamble;
    if (preamble.start === undefined) {
      void runPreamble(preamble, socket, peer, this.#abort.signal, this.#sink);
      return;
    }
    try {
      preamble.start(socket, peer, this.#settle);
    } catch (error) {
      this.#settle(socket, { accept: false, reason: 'error', error: error as Error });
    }
  }

  /** The server stops accepting: every connection still in its preamble is counted and reset. */
  abort(): void {
    // Counted before the signal aborts: a preamble that counts its own cut (the TLS
    // handshake) knows its connections only until then; each is counted once.
    const address = this.#listener.address();
    for (const [socket, peer] of this.#running) {
      if (this.#preamble.countsOwnClose?.(socket) === true) continue;
      preambleClosing(this.#preamble.name, this.#listener.stats, address, peer);
    }
    this.#abort.abort();
    for (const socket of this.#running.keys()) {
      this.#listener.release(socket);
      abortConnection(socket);
    }
    this.#running.clear();
  }
}
