/**
 * Terminates TLS on accepted connections, wherever the handler runs (the server's process, a
 * worker thread, a child process). It drives a `tls.Server` that never listens: each raw
 * connection is handed to it as Node's docs allow (`server.emit('connection', socket)`), so
 * the handshake is exactly Node's own — `requestCert` / `rejectUnauthorized`, SNI, ALPN,
 * `handshakeTimeout`, `setSecureContext()` for a reload (new connections get the new context,
 * those in flight keep theirs). A connection that fails its handshake is destroyed and
 * reported as a {@link HandshakeFailure}, never thrown.
 */
import type { Duplex } from 'node:stream';
import {
  createServer,
  type SecureContext,
  type Server as TLSEngine,
  type TLSSocket,
} from 'node:tls';
import { contextOptions, secureContextOf, type TLSSettings } from './tls-settings.js';

/** Why a handshake failed: a stable `reason` (Node's or OpenSSL's code) and the message. */
export interface HandshakeFailure {
  /**
   * `ERR_TLS_HANDSHAKE_TIMEOUT` (stalled past `handshakeTimeout`), `ERR_SSL_HTTP_REQUEST`
   * (plaintext HTTP), `ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE`, an `authorizationError`
   * such as `UNABLE_TO_VERIFY_LEAF_SIGNATURE` (a refused client certificate), `ECONNRESET`,
   * `ERR_SSL_…` for the rest, or `closed` (the client left before the handshake ended).
   */
  readonly reason: string;
  readonly message: string;
}

/** How one connection's upgrade ended. */
export type TerminateResult =
  | { readonly stream: TLSSocket }
  | { readonly refused: HandshakeFailure };

/** `SNICallback`'s shape (Node's). */
export type SNICallback = (
  servername: string,
  callback: (error: Error | null, context?: SecureContext) => void,
) => void;

/** Picks the SNI certificate for `name`: exact, then a `*.` wildcard one label up. */
export function sniLookup<T>(table: ReadonlyMap<string, T>, name: string): T | undefined {
  const lower = name.toLowerCase();
  const exact = table.get(lower);
  if (exact !== undefined) return exact;
  const dot = lower.indexOf('.');
  return dot < 0 ? undefined : table.get(`*${lower.slice(dot)}`);
}

/** See the module comment. */
export class TLSTerminator {
  /** Where handshakes start; replaced by `update()` (those in flight finish on the old one). */
  #engine: TLSEngine;
  readonly #pending = new Map<Duplex, (result: TerminateResult) => void>();
  /** Connections whose TLS socket gets `allowHalfOpen` back once secure. */
  readonly #halfOpen = new WeakSet<Duplex>();
  readonly #sniCallback: SNICallback | undefined;

  /** `sniCallback` (in process only) replaces the `sni` table. */
  constructor(settings: TLSSettings, sniCallback?: SNICallback) {
    this.#sniCallback = sniCallback;
    this.#engine = this.#createEngine(settings);
  }

  /**
   * A `tls.Server` (never listening) for `settings`. It gets an `SNICallback` only when there
   * is something to choose (an `sni` table or the user's callback): with one, OpenSSL stops
   * every handshake for Node's asynchronous certificate callback (`loadSNI` →
   * `requestOCSP` → `certCbDone`), a detour a server with one certificate doesn't need.
   */
  #createEngine(settings: TLSSettings): TLSEngine {
    const table = sniContexts(settings);
    const sni: SNICallback | undefined =
      this.#sniCallback ??
      (table.size === 0 ? undefined : (name, callback) => callback(null, sniLookup(table, name)));
    const engine = createServer({
      ...contextOptions(settings.certificate, settings),
      ...(settings.ALPNProtocols === undefined ? {} : { ALPNProtocols: settings.ALPNProtocols }),
      requestCert: settings.requestCert,
      rejectUnauthorized: settings.rejectUnauthorized,
      handshakeTimeout: settings.handshakeTimeout,
      ticketKeys: Buffer.from(settings.ticketKeys, 'base64'),
      sessionIdContext: settings.sessionIdContext,
      ...(sni === undefined ? {} : { SNICallback: sni }),
    });
    engine.on('secureConnection', (socket: TLSSocket) => {
      this.#settle(socket, { stream: socket });
    });
    engine.on('tlsClientError', (error: Error & { code?: string }, socket: TLSSocket) => {
      const reason = socket.authorizationError ?? error.code ?? 'ERR_TLS_HANDSHAKE';
      socket.destroy();
      this.#settle(socket, { refused: { reason: String(reason), message: error.message } });
    });
    return engine;
  }

  /** Runs the server side of the handshake on `stream` (a raw TCP socket or a relay). */
  terminate(stream: Duplex): Promise<TerminateResult> {
    return new Promise((resolve) => {
      if (stream.destroyed) {
        resolve({
          refused: { reason: 'closed', message: 'the connection closed before the handshake' },
        });
        return;
      }
      this.#pending.set(stream, resolve);
      // A client that leaves without an error (FIN before a ClientHello, a refused client
      // certificate Node closes quietly) is settled when its connection closes.
      stream.once('close', () =>
        this.#resolve(stream, {
          refused: { reason: 'closed', message: 'the connection closed during the handshake' },
        }),
      );
      // The TLS socket copies `allowHalfOpen` from the connection; while it is true (the
      // listener's, so a client's half-close still gets the reply) a FIN in the handshake is
      // noticed only at handshakeTimeout. So: off for the handshake, back on once secure.
      const halfOpen = stream.allowHalfOpen;
      stream.allowHalfOpen = false;
      this.#engine.emit('connection', stream);
      stream.allowHalfOpen = halfOpen;
      if (halfOpen) this.#halfOpen.add(stream);
    });
  }

  /**
   * New certificates for the connections accepted from now on: a new engine (a reload can add
   * or drop the `sni` table, and with it the SNI callback); handshakes in flight end on the
   * engine they started on, with the context they started with. The session-ticket keys are
   * the settings' (a certificate reload keeps them, as `tls.Server#setSecureContext` does, so
   * a reload doesn't force every returning client into a full handshake; a rotation changes
   * them).
   */
  update(settings: TLSSettings): void {
    this.#engine = this.#createEngine(settings);
  }

  #settle(socket: TLSSocket, result: TerminateResult): void {
    // Which connection this TLS socket wraps: Node keeps a net.Socket as `_parent` and as its
    // handle's `_parentWrap`; any other Duplex (a relay) as `_parentWrap.stream`. Node has no
    // public way to this (checked on Node 24, issue 16): `tls.Server` makes the TLSSocket
    // inside its 'connection' listener and shows it first in 'secureConnection' /
    // 'tlsClientError'. Making the TLSSocket here (`new TLSSocket(socket, { isServer, server })`,
    // public) would lose what that listener adds: the client-certificate verdict
    // (`authorized`, `authorizationError`, `rejectUnauthorized`) comes from
    // `_handle.verifyError()`, internal as well. An AsyncLocalStorage store around the emit
    // would reach the TLS socket's own callbacks but not errors a relay raises from its port.
    // The conformance and failure tests (in process, workers, relays) break if Node changes this.
    const wrap = (socket as unknown as { _handle?: { _parentWrap?: { stream?: unknown } } })._handle
      ?._parentWrap;
    const candidates = [(socket as unknown as { _parent?: unknown })._parent, wrap, wrap?.stream];
    const stream = candidates.find((candidate) => this.#pending.has(candidate as Duplex)) as
      | Duplex
      | undefined;
    if (stream === undefined) return;
    // A refused relay is closed here too: destroying its TLS socket leaves a JS stream open.
    if ('refused' in result) stream.destroy();
    else if (this.#halfOpen.has(stream)) socket.allowHalfOpen = true;
    this.#resolve(stream, result);
  }

  #resolve(stream: Duplex, result: TerminateResult): void {
    const resolve = this.#pending.get(stream);
    if (resolve === undefined) return;
    this.#pending.delete(stream);
    resolve(result);
  }
}

function sniContexts(settings: TLSSettings): Map<string, SecureContext> {
  const table = new Map<string, SecureContext>();
  for (const [name, data] of Object.entries(settings.sni)) {
    // Client certificates are verified with the SNI context: it gets the server's `ca` too.
    const withCa = data.ca === undefined ? { ...data, ca: settings.certificate.ca } : data;
    table.set(name.toLowerCase(), secureContextOf(withCa, settings, `sni["${name}"].`));
  }
  return table;
}
