/**
 * The command's TLS: `--tls-cert FILE --tls-key FILE [--tls-ca FILE --tls-request-cert]` with
 * `--tcp` serves a `TLSServer`; the files are read at start and again by {@link reloadTLS}
 * (SIGHUP), which swaps the certificates without a restart — new connections get the new
 * ones, workers and children too; a file that can't be read or doesn't load leaves the old
 * certificates in place and says why.
 */
import { readFileSync } from 'node:fs';
import type { ListenRequest } from './args.js';
import { TRANSPORTS } from './transports.js';
import { UsageError } from './usage-error.js';

/** The TLS flags as given: file paths. */
export interface TLSFlags {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string | undefined;
  /** `--tls-request-cert`: ask clients for a certificate (verified against `--tls-ca`). */
  readonly requestCert: boolean;
}

/** The TLS flags' values, as `parseArgs` gives them. */
export interface TLSFlagValues {
  readonly 'tls-cert'?: string | undefined;
  readonly 'tls-key'?: string | undefined;
  readonly 'tls-ca'?: string | undefined;
  readonly 'tls-request-cert'?: boolean | undefined;
}

/** Parses the TLS flags; `undefined` when none is given. Only with `--tcp`. */
export function parseTLSFlags(values: TLSFlagValues, listen: ListenRequest): TLSFlags | undefined {
  const cert = values['tls-cert'];
  const key = values['tls-key'];
  const ca = values['tls-ca'];
  const requestCert = values['tls-request-cert'] === true;
  if (cert === undefined && key === undefined && ca === undefined && !requestCert) return undefined;
  if (cert === undefined || key === undefined) {
    throw new UsageError('TLS needs both --tls-cert FILE and --tls-key FILE');
  }
  // TLS goes on top of a registered transport that has it (TCP).
  const secure = TRANSPORTS.filter((entry) => 'createTLS' in entry).map((entry) => entry.name);
  if (!(secure as readonly string[]).includes(listen.transport)) {
    throw new UsageError(
      `--tls-cert and --tls-key serve TLS over TCP: use them with ${secure.map((name) => `--${name}`).join(' or ')}, not --${listen.transport}`,
    );
  }
  if (requestCert && ca === undefined) {
    throw new UsageError(
      '--tls-request-cert needs --tls-ca FILE: the CAs that verify client certificates',
    );
  }
  return { certFile: cert, keyFile: key, caFile: ca, requestCert };
}

/** The PEM the flags name, read now. */
export interface TLSFiles {
  readonly key: string;
  readonly cert: string;
  readonly ca?: string;
}

/** Reads the files the flags name; a file that can't be read is a {@link UsageError} naming it. */
export function readTLSFiles(flags: TLSFlags): TLSFiles {
  const read = (flag: string, path: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch (error) {
      const code = (error as { code?: string }).code ?? (error as Error).message;
      throw new UsageError(`${flag} ${JSON.stringify(path)}: cannot read it (${code})`, {
        cause: error,
      });
    }
  };
  return {
    cert: read('--tls-cert', flags.certFile),
    key: read('--tls-key', flags.keyFile),
    ...(flags.caFile === undefined ? {} : { ca: read('--tls-ca', flags.caFile) }),
  };
}

/** The `TLSServer` options of the flags (the files already read). */
export function tlsServerOptions(flags: TLSFlags, files: TLSFiles) {
  return { ...files, ...(flags.requestCert ? { requestCert: true } : {}) };
}

/** What {@link reloadTLS} needs of the server. */
export interface ReloadableServer {
  reloadCertificates(certificates: TLSFiles): void;
}

/**
 * Re-reads the certificate files and hands them to `server.reloadCertificates()`; returns the
 * line to print: `reloaded TLS certificates …` or why the old ones stay.
 */
export function reloadTLS(server: ReloadableServer, flags: TLSFlags): string {
  try {
    server.reloadCertificates(readTLSFiles(flags));
    return `reloaded TLS certificates from ${flags.certFile}`;
  } catch (error) {
    return `TLS reload failed, the old certificates stay: ${(error as Error).message}`;
  }
}

/** Calls {@link reloadTLS} on every SIGHUP until the returned function is called. */
export function reloadTLSOnSighup(
  server: ReloadableServer,
  flags: TLSFlags,
  print: (line: string) => void,
): () => void {
  const onHangup = () => print(reloadTLS(server, flags));
  process.on('SIGHUP', onHangup);
  return () => process.off('SIGHUP', onHangup);
}
