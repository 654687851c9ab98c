/**
 * A throwaway self-signed certificate for a TLS-terminating HAProxy in tests, made with the
 * `openssl` command (installed with the other peers): key and certificate in one PEM file,
 * the form HAProxy's `crt` takes.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Writes `<dir>/cert.pem` (RSA 2048 key + certificate, CN `commonName`); returns its path. */
export async function selfSignedPem(dir: string, commonName = 'localhost'): Promise<string> {
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'crt.pem');
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '1',
    '-subj',
    `/CN=${commonName}`,
  ]);
  const pem = join(dir, 'cert.pem');
  await writeFile(pem, Buffer.concat([await readFile(cert), await readFile(key)]));
  return pem;
}
