/**
 * The options of {@link TLSServer} beyond TCP's, declared once (type, default, doc): the
 * certificate, the client-certificate policy, SNI, ALPN, the handshake's deadline and the
 * protocol bounds. Node's `tls.createServer()` names them the same.
 */
import type { SecureVersion } from 'node:tls';
import { InvalidOptionError } from '@sockserve/core';
import {
  booleanOption,
  customOption,
  defineOptions,
  durationOption,
  functionOption,
} from '@sockserve/core/kit';
import { type CertificateOptions, isPEM, isTicketKeys, type PEM } from './tls-settings.js';
import type { SNICallback } from './tls-terminator.js';

const pem = (doc: string) =>
  customOption<PEM>({
    doc,
    expected: 'PEM: a string, a Buffer, or an array of them',
    invalidSample: 42,
    accepts: isPEM,
  });

const VERSIONS = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
const version = (doc: string) =>
  customOption<SecureVersion>({
    doc,
    expected: VERSIONS.map((v) => JSON.stringify(v)).join(' or '),
    invalidSample: 'SSLv3',
    accepts: (value) => VERSIONS.includes(value as string),
  });

/** The declarations of TLS's own options (each also a public field of {@link TLSServer}). */
export const TLS_OPTIONS = defineOptions(
  'TLSServer',
  {
    key: pem('The private key (PEM); required, with `cert`'),
    cert: pem('The certificate chain (PEM); required, with `key`'),
    ca: pem('CAs that verify client certificates (PEM); default Node’s bundled roots'),
    passphrase: customOption<string>({
      doc: 'The passphrase of an encrypted `key`',
      expected: 'a string',
      invalidSample: 42,
      accepts: (value) => typeof value === 'string',
    }),
    sni: customOption<Readonly<Record<string, CertificateOptions>>>({
      doc: 'Certificates by server name (SNI), `{ name: { key, cert } }`; `*.example.com` wildcards; other names get `key`/`cert`',
      expected: 'an object of { key, cert } by server name',
      invalidSample: 'example.com',
      accepts: (value) =>
        typeof value === 'object' &&
        value !== null &&
        !Array.isArray(value) &&
        Object.values(value).every(
          (entry) =>
            typeof entry === 'object' && entry !== null && isPEM(entry.key) && isPEM(entry.cert),
        ),
    }),
    SNICallback: functionOption<SNICallback>({
      doc: 'Node’s `SNICallback(servername, cb)`, instead of `sni`; in-process strategies only (a function can’t reach a worker or child)',
      defaultText: 'the `sni` table',
    }),
    ALPNProtocols: customOption<readonly string[]>({
      doc: 'Protocols offered to ALPN, most preferred first (`["h2", "http/1.1"]`)',
      expected: 'an array of non-empty strings',
      invalidSample: 'h2',
      accepts: (value) =>
        Array.isArray(value) && value.every((item) => typeof item === 'string' && item !== ''),
    }),
    requestCert: booleanOption({
      default: false,
      doc: 'Ask clients for a certificate (mutual TLS)',
    }),
    rejectUnauthorized: booleanOption({
      default: true,
      doc: 'With `requestCert`: close connections whose certificate is missing or does not verify against `ca`; `false` lets the handler decide from `this.tls.authorized`',
    }),
    handshakeTimeout: durationOption({
      default: 10_000,
      doc: 'ms a client may take to finish its handshake; it is then closed and counted in `stats.handshakeFailed` (Node’s own default is 120 s)',
    }),
    minVersion: version('The oldest TLS version accepted; default Node’s (`TLSv1.2`)'),
    maxVersion: version('The newest TLS version accepted; default Node’s (`TLSv1.3`)'),
    ticketKeys: customOption<Buffer>({
      doc: 'Session-ticket keys, 48 bytes (Node’s `ticketKeys`): a ticket any runner issued resumes on every worker, child and this process; default random keys made at construction and shared the same way; `rotateTicketKeys()` replaces them',
      expected: 'a Buffer of 48 bytes',
      invalidSample: Buffer.alloc(16),
      accepts: isTicketKeys,
    }),
    ciphers: customOption<string>({
      doc: 'OpenSSL cipher list; default Node’s',
      expected: 'a string',
      invalidSample: 42,
      accepts: (value) => typeof value === 'string',
    }),
  },
  (resolved) => {
    for (const name of ['key', 'cert'] as const) {
      if (resolved[name] === undefined) {
        throw InvalidOptionError.because(
          name,
          `option "${name}" is required: a TLS server needs its private key and certificate (PEM)`,
        );
      }
    }
    if (resolved.SNICallback !== undefined && resolved.sni !== undefined) {
      throw InvalidOptionError.because('SNICallback', 'give "sni" or "SNICallback", not both');
    }
  },
);
