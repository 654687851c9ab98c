/**
 * `@sockserve/tls`: `TLSServer` — Python's `TCPServer` with `ssl` wrapping, for Node.js, under
 * every strategy (in process, worker threads, child processes).
 *
 * @packageDocumentation
 */
export { type TLSInfo, tlsInfo } from './handler-tls.js';
export { TLS_OPTIONS } from './tls-options.js';
export { TLSServer, type TLSServerOptions, tlsChannels } from './tls-server.js';
export type { CertificateOptions, CertificateSet, PEM } from './tls-settings.js';
export type { HandshakeFailure, SNICallback } from './tls-terminator.js';
