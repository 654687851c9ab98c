/**
 * @internal The connections of one stream listener whose preamble (a PROXY header) is still
 * running: started at accept, handed to the listener once the preamble accepts, and — when
 * the server stops accepting — each counted (`stats.<name>Rejected`, reason `closing`),
 * published and reset, so none vanishes from the counters. One object per listener: nothing
 * is allocated per connection beyond the preamble's own read. A preamble that knows its
 * running connections (`ConnectionPreamble.running`: the PROXY header's reads) is asked for
 * them when the server stops accepting; for any other the listener records them in a map.
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
  /**
   * The connections in their preamble, with their peer; undefined when the preamble keeps
   * them itself (`running`).
   */
  readonly #running: Map<Socket, SocketAddress> | undefined;
  readonly #sink: PreambleSink;
  /** For a preamble with `start`: one function for every connection. */
  readonly #settle: PreambleSettle = (socket, outcome, settledPeer) => {
    const running = this.#running;
    const peer = running === undefined ? settledPeer : running.get(socket);
    // Gone from the map: the server stopped accepting, and abort() counted and reset it.
    // Without a map, settlePreamble drops it uncounted (the signal is aborted by then).
    if (peer === undefined) return;
    settlePreamble(this.#preamble.name, socket, peer, this.#abort.signal, this.#sink, outcome);
  };

  constructor(preamble: ConnectionPreamble, listener: PreambleListener) {
    this.#preamble = preamble;
    this.#listener = listener;
    const running =
      preamble.start !== undefined && preamble.running !== undefined
        ? undefined
        : new Map<Socket, SocketAddress>();
    this.#running = running;
    this.#sink = {
      stats: listener.stats,
      address: () => listener.address(),
      admit: (socket, client) => {
        running?.delete(socket);
        listener.admit(socket, client);
      },
      drop: (socket) => {
        running?.delete(socket);
        // Idempotent: a connection abort() released may settle (dropped) after it.
        listener.release(socket);
        abortConnection(socket);
      },
    };
  }

  /** Runs the preamble on an accepted connection (`peer`: the socket's own peer). */
  start(socket: Socket, peer: SocketAddress): void {
    this.#running?.set(socket, peer);
    const preamble = this.#preamble;
    if (preamble.start === undefined) {
      void runPreamble(preamble, socket, peer, this.#abort.signal, this.#sink);
      return;
    }
    try {
      preamble.start(socket, peer, this.#settle);
    } catch (error) {
      this.#settle(socket, { accept: false, reason: 'error', error: error as Error }, peer);
    }
  }

  /** The server stops accepting: every connection still in its preamble is counted and reset. */
  abort(): void {
    // A copy: what is reset here may settle (and leave the preamble's list) meanwhile.
    // A connection reset by an earlier abort() is still in the preamble's list until its
    // 'close': not counted twice.
    const again = this.#abort.signal.aborted;
    const running =
      this.#running ??
      [...(this.#preamble.running?.() ?? [])].filter(([socket]) => !again || !socket.destroyed);
    // Counted before the signal aborts: a preamble that counts its own cut (the TLS
    // handshake) knows its connections only until then; each is counted once.
    const address = this.#listener.address();
    for (const [socket, peer] of running) {
      if (this.#preamble.countsOwnClose?.(socket) === true) continue;
      preambleClosing(this.#preamble.name, this.#listener.stats, address, peer);
    }
    this.#abort.abort();
    for (const [socket] of running) {
      this.#listener.release(socket);
      abortConnection(socket);
    }
    this.#running?.clear();
  }
}
