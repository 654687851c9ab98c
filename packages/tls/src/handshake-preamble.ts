/**
 * The TLS handshake as a connection preamble (see `ConnectionPreamble` in `@sockserve/core/kit`)
 * for servers whose handlers run in this process (the sequential and async strategies): the
 * handshake runs as soon as a connection is accepted, off the serve loop and before the
 * request queue, counted toward `maxConnections` — so a client stalled mid-handshake never
 * holds the serve loop (under the sequential strategy it used to hold the server for
 * `handshakeTimeout`). Only connections whose handshake succeeded are queued; the handler
 * then gets the TLS socket at once (`TLSServer`'s connection upgrade finds it ready).
 *
 * A PROXY header (`proxyProtocol`) comes first: the preamble given as `before` runs, its bytes
 * past the header are put back, and the handshake reads on from there.
 *
 * A failed handshake is counted and published by TLS itself (`stats.handshakeFailed`,
 * `sockserve:tls.handshakeFailed`), not as `<name>Rejected`: the preamble closes the
 * connection and settles as accepted, which the listener treats as a client that left
 * (dropped, released, not counted again). Strategies that run handlers elsewhere don't use
 * this: their raw socket must move before any TLS, and the runner does the handshake.
 */
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { attachRequestInfo, type SocketAddress } from '@sockserve/core';
import type { ConnectionPreamble, PreambleOutcome } from '@sockserve/core/kit';
import type { HandshakeFailure, TLSTerminator } from './tls-terminator.js';

/** What the preamble reports to its server. */
export interface HandshakePreambleHooks {
  /** The handshake of `socket` succeeded: `secure` is what its handler will get. */
  secured(socket: Socket, secure: TLSSocket): void;
  /** The handshake failed, or the connection closed (by its client or the server) during it. */
  failed(failure: HandshakeFailure, clientAddress: SocketAddress): void;
}

const CLOSED: HandshakeFailure = {
  reason: 'closed',
  message: 'the server closed while the connection was in its handshake',
};

/** The TLS handshake preamble, after `before` (a PROXY header) when given. */
export function handshakePreamble(
  terminator: TLSTerminator,
  hooks: HandshakePreambleHooks,
  before?: ConnectionPreamble,
): ConnectionPreamble {
  // Connections in their handshake, closed at once when the server stops accepting. One
  // listener on the listener's one signal, not one per connection (addEventListener per
  // connection was ~1% of the server's CPU in a handshake profile).
  const inHandshake = new Set<Socket>();
  let watched: AbortSignal | undefined;
  const watch = (signal: AbortSignal) => {
    if (watched === signal) return;
    watched = signal;
    signal.addEventListener(
      'abort',
      () => {
        for (const socket of inHandshake) socket.destroy();
        inHandshake.clear();
      },
      { once: true },
    );
  };
  return {
    // Refusals of `before` count under its own name; TLS counts its own failures, a cut by
    // the server's close included (so the listener does not count it as rejected too).
    name: before?.name ?? 'tls',
    countsOwnClose: (socket) => inHandshake.has(socket),
    async run(socket, peer, signal): Promise<PreambleOutcome> {
      let outcome: PreambleOutcome = { accept: true };
      if (before !== undefined) {
        const first = await before.run(socket, peer, signal);
        if (!first.accept || signal.aborted || socket.destroyed) return first;
        // Put back what `before` read past its end: the start of the ClientHello (Node's
        // TLSSocket feeds bytes buffered on the socket to the handshake first).
        const { rest, info, ...kept } = first;
        if (rest !== undefined && rest.length > 0) socket.unshift(rest);
        if (info !== undefined) attachRequestInfo(socket, info);
        outcome = kept;
      }
      const client = (outcome.accept ? outcome.clientAddress : undefined) ?? peer;
      if (signal.aborted) return outcome;
      watch(signal);
      inHandshake.add(socket);
      const result = await terminator.terminate(socket);
      inHandshake.delete(socket);
      if ('refused' in result) {
        socket.destroy();
        hooks.failed(signal.aborted ? CLOSED : result.refused, client);
        return outcome;
      }
      hooks.secured(socket, result.stream);
      return outcome;
    },
  };
}
