/**
 * `this.tls` in a handler: what the handshake of its connection settled. Installed on
 * `BaseRequestHandler` (core knows nothing of TLS) when `@sockserve/tls` is loaded — by the
 * server's process and by every worker or child that terminates TLS — and `undefined` for a
 * request that is not a TLS connection. Python's counterpart is reading `SSLSocket` methods
 * (`selected_alpn_protocol()`, `getpeercert()`, `version()`, `cipher()`) off `self.request`.
 */
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { TLSSocket as TLSSocketClass } from 'node:tls';
import { BaseRequestHandler } from '@sockserve/core';

/** What a handler sees of its TLS connection (`this.tls`). */
export interface TLSInfo {
  /** The name the client asked for (SNI), or `undefined` when it sent none. */
  readonly servername: string | undefined;
  /** The protocol ALPN settled on, or `undefined` (none offered or none in common). */
  readonly alpnProtocol: string | undefined;
  /** True when the client sent a certificate that verified against `ca` (`requestCert`). */
  readonly authorized: boolean;
  /** Why the client's certificate did not verify (`rejectUnauthorized: false`), or `undefined`. */
  readonly authorizationError: string | undefined;
  /** The client's certificate, or `undefined` when it sent none. */
  readonly peerCertificate: PeerCertificate | undefined;
  /** `TLSv1.3`, `TLSv1.2`, … */
  readonly protocol: string | undefined;
  /** The cipher suite in use. */
  readonly cipher: {
    readonly name: string;
    readonly standardName: string;
    readonly version: string;
  };
}

/** The {@link TLSInfo} of a connection, or `undefined` when it is not a TLS one. */
export function tlsInfo(request: unknown): TLSInfo | undefined {
  if (!(request instanceof TLSSocketClass)) return undefined;
  const socket = request as TLSSocket;
  const servername = (socket as { servername?: string | false }).servername;
  const alpn = socket.alpnProtocol;
  const peer = socket.getPeerCertificate();
  const authorizationError = socket.authorizationError;
  return {
    servername: typeof servername === 'string' ? servername : undefined,
    alpnProtocol: typeof alpn === 'string' ? alpn : undefined,
    authorized: socket.authorized === true,
    authorizationError:
      authorizationError === undefined || authorizationError === null
        ? undefined
        : String(authorizationError),
    peerCertificate: peer !== null && Object.keys(peer).length > 0 ? peer : undefined,
    protocol: socket.getProtocol() ?? undefined,
    cipher: socket.getCipher(),
  };
}

declare module '@sockserve/core' {
  interface BaseRequestHandler<TRequest = unknown, TServer = unknown> {
    /** The TLS side of this request's connection (`@sockserve/tls`), or `undefined`. */
    readonly tls: TLSInfo | undefined;
  }
}

if (!Object.hasOwn(BaseRequestHandler.prototype, 'tls')) {
  Object.defineProperty(BaseRequestHandler.prototype, 'tls', {
    configurable: true,
    get(this: BaseRequestHandler<unknown, unknown>) {
      return tlsInfo(this.request);
    },
  });
}
