/**
 * `TLSServer`: a {@link TCPServer} whose connections speak TLS. Python leaves this to
 * `ssl.SSLContext.wrap_socket()` in a subclass's `get_request()`; here it is one option bag.
 * The listener is TCP's own; the handshake happens where the handler runs — in this process,
 * or in the worker thread or child process a threading / forking strategy hands the raw
 * connection to, which builds its own secure context from the PEM (a `TLSSocket` can't move
 * between threads or processes; a raw TCP socket can, and where it can't — Node 22 and 24
 * without socket transfer — its encrypted bytes are relayed and TLS still ends in the worker).
 */
import { createHash, randomBytes } from 'node:crypto';
import diagnostics from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import {
  attachRequestInfo,
  type CloseReport,
  type HandlerSource,
  type InetAddressInput,
  type InheritedSocket,
  InvalidOptionError,
  inetAddress,
  requestInfo,
  type ServerCloseOptions,
  type ServerConnectionUpgrade,
  type ServerTransport,
  type SocketAddress,
  type TransportStats,
  UnsupportedError,
} from '@sockserve/core';
import {
  type AnyOptionSet,
  type ConnectionPreamble,
  closeGracefully,
  type OptionsInput,
} from '@sockserve/core/kit';
import { TCPServer, type TCPServerOptions } from '@sockserve/tcp';
import './handler-tls.js';
import { handshakePreamble } from './handshake-preamble.js';
import { TLS_OPTIONS } from './tls-options.js';
import {
  type CertificateSet,
  certificateSetData,
  checkSettings,
  isTicketKeys,
  TICKET_KEYS_LENGTH,
  type TLSSettings,
} from './tls-settings.js';
import { type HandshakeFailure, type SNICallback, TLSTerminator } from './tls-terminator.js';

/** Options of {@link TLSServer}: TCP's (and the base server's) and {@link TLS_OPTIONS}. */
export type TLSServerOptions = TCPServerOptions & OptionsInput<typeof TLS_OPTIONS.specs>;

/**
 * `diagnostics_channel` channels of `@sockserve/tls`:
 * `sockserve:tls.handshakeFailed` — `{ server, clientAddress, reason, message }` for every
 * connection closed because its handshake failed (see {@link HandshakeFailure.reason}),
 * published by the server's process whichever strategy ran the handshake.
 */
export const tlsChannels = {
  handshakeFailed: diagnostics.channel('sockserve:tls.handshakeFailed'),
} as const;

/** The module a worker or child loads its TLS upgrade from (the built one when run from source). */
const RUNNER_UPGRADE = import.meta.url.endsWith('.ts')
  ? new URL('../dist/runner-upgrade.js', import.meta.url).href
  : new URL('./runner-upgrade.js', import.meta.url).href;

/** Splits a TLSServer options bag into TLS's and the rest; checks the whole bag first. */
function splitOptions(options: TLSServerOptions): {
  settings: TLSSettings;
  sniCallback: SNICallback | undefined;
  rest: TCPServerOptions;
} {
  TLSServer.options.resolve(options);
  const tlsGiven: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (Object.hasOwn(TLS_OPTIONS.specs, key)) tlsGiven[key] = value;
    else rest[key] = value;
  }
  const tls = TLS_OPTIONS.resolve(tlsGiven);
  const { certificate, sni } = certificateSetData({
    key: tls.key as NonNullable<typeof tls.key>,
    cert: tls.cert as NonNullable<typeof tls.cert>,
    ca: tls.ca,
    passphrase: tls.passphrase,
    sni: tls.sni,
  });
  const settings: TLSSettings = {
    certificate,
    sni,
    ALPNProtocols: tls.ALPNProtocols === undefined ? undefined : [...tls.ALPNProtocols],
    requestCert: tls.requestCert,
    rejectUnauthorized: tls.rejectUnauthorized,
    handshakeTimeout: tls.handshakeTimeout,
    minVersion: tls.minVersion,
    maxVersion: tls.maxVersion,
    ciphers: tls.ciphers,
    ticketKeys: Buffer.from(tls.ticketKeys ?? randomBytes(TICKET_KEYS_LENGTH)).toString('base64'),
    // Node's own default (lib/_tls_wrap.js), fixed here so that runners share it.
    sessionIdContext: createHash('sha1').update(process.argv.join(' ')).digest('hex').slice(0, 32),
  };
  checkSettings(settings);
  return { settings, sniCallback: tls.SNICallback, rest: rest as TCPServerOptions };
}

/**
 * A TCP server whose connections are TLS; handlers get the decrypted stream as `request`
 * (`rfile`/`wfile` as for TCP) and the handshake's outcome as `this.tls`.
 *
 * ```ts
 * const server = await TLSServer.create({ host: '127.0.0.1', port: 0 }, Handler, { key, cert });
 * class ThreadingTLSServer extends ThreadingMixIn(TLSServer) {}
 * ```
 *
 * A failed handshake (bad or missing client certificate, an unknown protocol, plaintext, a
 * client that stalls past `handshakeTimeout`) closes the connection, counts in
 * `stats.handshakeFailed` and is published on `sockserve:tls.handshakeFailed`; it never
 * reaches `handleError`, and in the request counts it is a request finished without a handler.
 */
export class TLSServer extends TCPServer {
  /** What this server takes: TCP's options and {@link TLS_OPTIONS}. */
  static override readonly options: AnyOptionSet = TCPServer.options.with('TLSServer', TLS_OPTIONS);

  #settings: TLSSettings;
  readonly #terminator: TLSTerminator;
  readonly #sniCallback: SNICallback | undefined;
  /** Accepted connection → its TLS socket, handshake done before the queue, not yet handled. */
  readonly #handshaken = new WeakMap<Duplex, TLSSocket>();
  /** Accepted connection → its TLS socket, while its handler runs here. */
  readonly #secured = new WeakMap<Duplex, TLSSocket>();
  /** Connections the strategy was given (see `processRequest`). */
  readonly #dispatched = new WeakSet<Duplex>();
  /** Connections refused before they moved, in their handshake here (see `shutdownRequest`). */
  readonly #refusing = new Set<Socket>();
  /** TLS sockets closing in the background (close_notify sent, waiting for the peer). */
  readonly #lingering = new Set<TLSSocket>();

  constructor(
    serverAddress: InetAddressInput | InheritedSocket,
    handler: HandlerSource<Socket, TLSServer>,
    options: TLSServerOptions,
  ) {
    const { settings, sniCallback, rest } = splitOptions(options ?? {});
    const terminator = new TLSTerminator(settings, sniCallback);
    super(serverAddress, handler as HandlerSource<Socket, TCPServer>, rest);
    this.#settings = settings;
    this.#terminator = terminator;
    this.#sniCallback = sniCallback;
  }

  /** The TLS step of every connection (see `ServerConnectionUpgrade` in `@sockserve/core`). */
  readonly connectionUpgrade: ServerConnectionUpgrade = {
    upgrade: async (stream: Duplex, clientAddress: SocketAddress) => {
      // In process the handshake ran before the queue (handshake-preamble.ts).
      let secure = this.#handshaken.get(stream);
      if (secure !== undefined) this.#handshaken.delete(stream);
      else {
        const result = await this.#terminator.terminate(stream);
        if ('refused' in result) {
          this.#handshakeFailed(result.refused, clientAddress);
          return undefined;
        }
        secure = result.stream;
      }
      // What the transport learned (a PROXY header) is the handler's, on the stream it gets.
      const info = requestInfo(stream);
      if (info !== undefined) attachRequestInfo(secure, info);
      this.#secured.set(stream, secure);
      return secure;
    },
    remote: () => {
      if (this.#sniCallback !== undefined) {
        throw new UnsupportedError(
          `SNICallback can't run under the ${this.strategy.name} strategy: a function can't reach another thread or process; give "sni" (certificates by name) instead`,
        );
      }
      return { module: RUNNER_UPGRADE, export: 'createRunnerUpgrade', settings: this.#settings };
    },
    refusedElsewhere: (refused: unknown, clientAddress: SocketAddress) =>
      this.#handshakeFailed(refused as HandshakeFailure, clientAddress),
  };

  /**
   * Replaces the certificates without a restart: connections accepted from now on get the
   * new ones, those in flight keep theirs; workers and children get them too. The PEM is
   * checked first (an `InvalidOptionError` leaves the old certificates in place).
   */
  reloadCertificates(certificates: CertificateSet): void {
    const { certificate, sni } = certificateSetData(certificates);
    const next: TLSSettings = { ...this.#settings, certificate, sni };
    checkSettings(next);
    this.#settings = next;
    this.#terminator.update(next);
    this.strategy.updateConnectionUpgrade?.(next);
  }

  /**
   * Replaces the session-ticket keys everywhere this server terminates TLS (this process and
   * every worker or child, as a certificate reload travels): `keys` (48 bytes) or new random
   * ones. Tickets issued before stop resuming — their clients make one full handshake and get
   * a new ticket — so rotate as often as a ticket key may live (e.g. daily; Node and OpenSSL
   * keep one key set, not a window). An invalid `keys` is an `InvalidOptionError` and changes
   * nothing. Python's `ssl` has no counterpart (OpenSSL rotates its own keys per context).
   */
  rotateTicketKeys(keys?: Buffer | Uint8Array): void {
    if (keys !== undefined && !isTicketKeys(keys)) {
      throw new InvalidOptionError('ticketKeys', 'a Buffer of 48 bytes', keys);
    }
    const ticketKeys = Buffer.from(keys ?? randomBytes(TICKET_KEYS_LENGTH)).toString('base64');
    const next: TLSSettings = { ...this.#settings, ticketKeys };
    this.#settings = next;
    this.#terminator.update(next);
    this.strategy.updateConnectionUpgrade?.(next);
  }

  /** Ends the TLS session (close_notify) before the connection; see `shutdownRequest` in core. */
  override shutdownRequest(request: Socket): void | Promise<void> {
    // Its handler's TLS socket, or one whose handshake ran before the queue and that never
    // reached a handler (`verifyRequest()` said no).
    const secure = this.#secured.get(request) ?? this.#handshaken.get(request);
    if (secure === undefined) {
      if (this.#dispatched.has(request) || !this.#runsElsewhere() || request.destroyed)
        return super.shutdownRequest(request);
      // Refused before it could move to a worker or child (by `verifyRequest()`, or by the
      // strategy's `admit`: a client backing off after crashes): no TLS yet. It gets its
      // handshake here, then a TLS close, as in process (and as Python's `wrap_socket` before
      // `verify_request`): the client sees an empty reply, as a plain TCP client does, not a
      // broken handshake it can't tell from a network fault.
      this.#closeRefused(request);
      return;
    }
    this.#secured.delete(request);
    this.#handshaken.delete(request);
    this.#lingering.add(secure);
    // The TLS socket owns the connection now: closing it closes the TCP socket; the
    // transport's bookkeeping (maxConnections, per client) is released once it did.
    closeGracefully(secure, this.closeTimeout, () => {
      this.#lingering.delete(secure);
      void this.closeRequest(request);
    });
  }

  /**
   * Python's `process_request()`; notes that the request went to the strategy. Noted once the
   * strategy took it: a strategy that refuses it (`admit`, a client backing off after crashes)
   * ends it inside this call, before it moved, and `shutdownRequest` then closes it with TLS.
   */
  override processRequest(request: Socket, clientAddress: SocketAddress): Promise<void> {
    const running = super.processRequest(request, clientAddress);
    this.#dispatched.add(request);
    return running;
  }

  override serverClose(options?: ServerCloseOptions): Promise<CloseReport> {
    return super.serverClose(options).then((report) => {
      for (const secure of this.#lingering) secure.destroy();
      for (const raw of this.#refusing) raw.destroy();
      return report;
    });
  }

  /** True when handlers run in workers or children (the strategy's `runsRequestsElsewhere`). */
  #runsElsewhere(): boolean {
    return this.strategy.runsRequestsElsewhere === true;
  }

  /** Handshake, then a TLS close, for a connection refused before it moved; see shutdownRequest. */
  #closeRefused(raw: Socket): void {
    this.#refusing.add(raw);
    const clientAddress = inetAddress(raw.remoteAddress, raw.remotePort);
    void this.#terminator.terminate(raw).then((result) => {
      this.#refusing.delete(raw);
      if ('refused' in result) {
        this.#handshakeFailed(result.refused, clientAddress);
        void this.closeRequest(raw);
        return;
      }
      this.#lingering.add(result.stream);
      closeGracefully(result.stream, this.closeTimeout, () => {
        this.#lingering.delete(result.stream);
        void this.closeRequest(raw);
      });
    });
  }

  /**
   * TCP's preamble (a PROXY header), then — when handlers run in this process — the TLS
   * handshake, before the queue. A strategy that runs handlers elsewhere
   * (`runsRequestsElsewhere`) gets the raw connection: its runner does the handshake.
   */
  protected override connectionPreamble(): ConnectionPreamble | undefined {
    const before = super.connectionPreamble();
    if (this.#runsElsewhere()) return before;
    return handshakePreamble(
      this.#terminator,
      {
        secured: (socket, secure) => this.#handshaken.set(socket, secure),
        failed: (failure, clientAddress) => this.#handshakeFailed(failure, clientAddress),
      },
      before,
    );
  }

  protected override createTransport(): ServerTransport<Socket> {
    const transport = super.createTransport();
    (transport.stats as TransportStats).handshakeFailed = 0;
    return transport;
  }

  #handshakeFailed(failure: HandshakeFailure, clientAddress: SocketAddress): void {
    const stats = this.transport?.stats as TransportStats | undefined;
    if (stats !== undefined) stats.handshakeFailed = (stats.handshakeFailed ?? 0) + 1;
    const channel = tlsChannels.handshakeFailed;
    if (channel.hasSubscribers) {
      channel.publish({
        server: this,
        clientAddress,
        reason: failure.reason,
        message: failure.message,
      });
    }
  }
}
