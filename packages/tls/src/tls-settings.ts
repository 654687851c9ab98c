/**
 * The TLS settings a server terminates connections with, as plain data: PEM strings, names
 * and flags, so the same settings cross to a worker thread or a child process (a
 * `SecureContext` can't). Built from {@link TLSServer}'s options and from
 * `reloadCertificates()`; each place that terminates TLS builds its own contexts from them.
 */
import { createSecureContext, type SecureContext, type SecureVersion } from 'node:tls';
import { InvalidOptionError } from '@sockserve/core';

/** A PEM value as options take it: a string, a Buffer, or several (a chain, several CAs). */
export type PEM = string | Buffer | ReadonlyArray<string | Buffer>;

/** One certificate (with its key) and optionally the CAs that verify clients. */
export interface CertificateOptions {
  /** The private key, PEM. */
  readonly key: PEM;
  /** The certificate (chain), PEM. */
  readonly cert: PEM;
  /** CAs that verify client certificates (`requestCert`), PEM; default: Node's bundled roots. */
  readonly ca?: PEM | undefined;
  /** The key's passphrase, if it is encrypted. */
  readonly passphrase?: string | undefined;
}

/** What `reloadCertificates()` takes: the default certificate and, optionally, the SNI ones. */
export interface CertificateSet extends CertificateOptions {
  /** Certificates by server name (SNI): `{ 'api.example.com': { key, cert } }`; `*.` wildcards. */
  readonly sni?: Readonly<Record<string, CertificateOptions>> | undefined;
}

/** A certificate as plain data. */
export interface CertificateData {
  readonly key: string[];
  readonly cert: string[];
  readonly ca: string[] | undefined;
  readonly passphrase: string | undefined;
}

/** The settings, as plain data (see the module comment). */
export interface TLSSettings {
  readonly certificate: CertificateData;
  readonly sni: Readonly<Record<string, CertificateData>>;
  readonly ALPNProtocols: string[] | undefined;
  readonly requestCert: boolean;
  readonly rejectUnauthorized: boolean;
  readonly handshakeTimeout: number;
  readonly minVersion: SecureVersion | undefined;
  readonly maxVersion: SecureVersion | undefined;
  readonly ciphers: string | undefined;
  /**
   * The session-ticket keys (48 bytes, base64: plain data for a worker or child), the same in
   * every place that terminates TLS, so a ticket issued by one runner resumes on any other.
   */
  readonly ticketKeys: string;
  /**
   * OpenSSL's session-ID context, the same everywhere too: a session resumes only where the
   * context matches, and Node's default is derived from `process.argv`, which a worker thread
   * or child process doesn't share with the server's process. Node's default, computed there.
   */
  readonly sessionIdContext: string;
}

/** Session-ticket keys are 48 bytes (Node's and OpenSSL's: name, HMAC secret, AES key). */
export const TICKET_KEYS_LENGTH = 48;

/** True for a value the `ticketKeys` option accepts: a Buffer (or Uint8Array) of 48 bytes. */
export function isTicketKeys(value: unknown): value is Buffer {
  return value instanceof Uint8Array && value.byteLength === TICKET_KEYS_LENGTH;
}

/** PEM of any accepted shape as strings; `undefined` stays. */
function pemList(value: PEM | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const list = Array.isArray(value) ? value : [value];
  return list.map((item) => (typeof item === 'string' ? item : item.toString('utf8')));
}

/** True for a value {@link PEM} accepts. */
export function isPEM(value: unknown): value is PEM {
  const one = (item: unknown) => typeof item === 'string' || Buffer.isBuffer(item);
  return one(value) || (Array.isArray(value) && value.length > 0 && value.every(one));
}

/** Turns certificate options into plain data; `where` names the option in errors. */
export function certificateData(given: CertificateOptions, where: string): CertificateData {
  if (!isPEM(given.key))
    throw new InvalidOptionError(`${where}key`, 'PEM (a string or Buffer)', given.key);
  if (!isPEM(given.cert))
    throw new InvalidOptionError(`${where}cert`, 'PEM (a string or Buffer)', given.cert);
  if (given.ca !== undefined && !isPEM(given.ca))
    throw new InvalidOptionError(`${where}ca`, 'PEM (a string or Buffer)', given.ca);
  return {
    key: pemList(given.key) as string[],
    cert: pemList(given.cert) as string[],
    ca: pemList(given.ca),
    passphrase: given.passphrase,
  };
}

/** Turns a certificate set into plain data, checking every PEM. */
export function certificateSetData(given: CertificateSet): {
  certificate: CertificateData;
  sni: Record<string, CertificateData>;
} {
  const sni: Record<string, CertificateData> = {};
  for (const [name, entry] of Object.entries(given.sni ?? {})) {
    sni[name] = certificateData(entry, `sni["${name}"].`);
  }
  return { certificate: certificateData(given, ''), sni };
}

/** A secure context from plain data; `where` names the option when the PEM is refused. */
export function secureContextOf(
  data: CertificateData,
  settings: Pick<TLSSettings, 'minVersion' | 'maxVersion' | 'ciphers'>,
  where: string,
): SecureContext {
  try {
    return createSecureContext(contextOptions(data, settings));
  } catch (error) {
    const refused = new InvalidOptionError(
      `${where}key`,
      'a private key matching its certificate, both PEM',
      undefined,
    );
    refused.message = `option "${where}cert"/"${where}key" refused by OpenSSL: ${(error as Error).message}`;
    throw refused;
  }
}

/** The `tls.createSecureContext()` options of one certificate. */
export function contextOptions(
  data: CertificateData,
  settings: Pick<TLSSettings, 'minVersion' | 'maxVersion' | 'ciphers'>,
) {
  return {
    key: data.key,
    cert: data.cert,
    ...(data.ca === undefined ? {} : { ca: data.ca }),
    ...(data.passphrase === undefined ? {} : { passphrase: data.passphrase }),
    ...(settings.minVersion === undefined ? {} : { minVersion: settings.minVersion }),
    ...(settings.maxVersion === undefined ? {} : { maxVersion: settings.maxVersion }),
    ...(settings.ciphers === undefined ? {} : { ciphers: settings.ciphers }),
  };
}

/** Checks that every certificate of `settings` loads (a wrong key is an error now, not at a handshake). */
export function checkSettings(settings: TLSSettings): void {
  secureContextOf(settings.certificate, settings, '');
  for (const [name, data] of Object.entries(settings.sni)) {
    secureContextOf(data, settings, `sni["${name}"].`);
  }
}
