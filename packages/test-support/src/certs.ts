/**
 * Certificates made at test time with `openssl req` into a temp dir (no private key is
 * committed): a CA, server certificates it signed (`localhost`, `other.test` for SNI, a
 * second `localhost` one for reloads), a client certificate it signed, and a self-signed
 * client certificate no CA vouches for; a lone self-signed `localhost` certificate; the
 * key + certificate PEM a TLS-terminating HAProxy takes. EC keys: quick to make.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One certificate: PEM text and the files it is in (for openssl and python). */
export interface TestCert {
  readonly key: string;
  readonly cert: string;
  readonly keyFile: string;
  readonly certFile: string;
}

/** Every certificate the tests use. */
export interface TestCerts {
  readonly dir: string;
  readonly ca: TestCert;
  readonly server: TestCert;
  /** Another certificate for `localhost`: what a reload installs. */
  readonly renewed: TestCert;
  readonly other: TestCert;
  readonly client: TestCert;
  readonly stranger: TestCert;
  /** Deletes the directory. */
  remove(): void;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function read(dir: string, name: string): TestCert {
  const keyFile = join(dir, `${name}.key`);
  const certFile = join(dir, `${name}.crt`);
  return {
    key: readFileSync(keyFile, 'utf8'),
    cert: readFileSync(certFile, 'utf8'),
    keyFile,
    certFile,
  };
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
const RSA = ['-newkey', 'rsa:2048', '-nodes'];

/** A certificate signed by the CA in `dir`, for `cn` (also its DNS name). */
function signed(dir: string, name: string, cn: string, client: boolean): void {
  openssl(dir, [
    'req',
    '-new',
    ...EC,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
    '-subj',
    `/CN=${cn}`,
  ]);
  const ext = client
    ? 'extendedKeyUsage=clientAuth'
    : `subjectAltName=DNS:${cn},IP:127.0.0.1\nextendedKeyUsage=serverAuth`;
  writeFileSync(join(dir, `${name}.ext`), `${ext}\n`);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-out',
    `${name}.crt`,
    '-extfile',
    `${name}.ext`,
  ]);
}

/** Makes the certificates; call `remove()` in teardown. */
export function makeCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'sockserve-tls-'));
  openssl(dir, [
    'req',
    '-x509',
    ...EC,
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '2',
    '-subj',
    '/CN=sockserve test CA',
  ]);
  signed(dir, 'server', 'localhost', false);
  signed(dir, 'renewed', 'localhost', false);
  signed(dir, 'other', 'other.test', false);
  signed(dir, 'client', 'test client', true);
  openssl(dir, [
    'req',
    '-x509',
    ...EC,
    '-keyout',
    'stranger.key',
    '-out',
    'stranger.crt',
    '-days',
    '2',
    '-subj',
    '/CN=stranger',
  ]);
  return {
    dir,
    ca: read(dir, 'ca'),
    server: read(dir, 'server'),
    renewed: read(dir, 'renewed'),
    other: read(dir, 'other'),
    client: read(dir, 'client'),
    stranger: read(dir, 'stranger'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * A self-signed certificate for `cn` (default `localhost`, also valid for 127.0.0.1) as
 * `<dir>/<name>.key` and `<dir>/<name>.crt`, with an EC P-256 key (or RSA 2048); `dir` is the
 * caller's to remove.
 */
export function selfSignedCert(
  dir: string,
  name: string,
  cn = 'localhost',
  key: 'ec' | 'rsa' = 'ec',
): TestCert {
  openssl(dir, [
    'req',
    '-x509',
    ...(key === 'ec' ? EC : RSA),
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.crt`,
    '-days',
    '2',
    '-subj',
    `/CN=${cn}`,
    '-addext',
    `subjectAltName=DNS:${cn},IP:127.0.0.1`,
  ]);
  return read(dir, name);
}

/**
 * Writes `<dir>/cert.pem` — a self-signed certificate for `commonName` followed by its RSA
 * 2048 key (the PROXY tests check HAProxy reports `RSA2048`), the one file HAProxy's `crt`
 * takes — and returns its path.
 */
export async function selfSignedPem(dir: string, commonName = 'localhost'): Promise<string> {
  const made = selfSignedCert(dir, 'haproxy', commonName, 'rsa');
  const pem = join(dir, 'cert.pem');
  await writeFile(
    pem,
    Buffer.concat([await readFile(made.certFile), await readFile(made.keyFile)]),
  );
  return pem;
}

/** The suite hooks {@link useCerts} registers with (vitest's, passed in: no runner here). */
export interface SuiteHooks {
  beforeAll(fn: () => unknown): void;
  afterAll(fn: () => unknown): void;
}

/**
 * A test file's certificates: made by {@link makeCerts} in `beforeAll`, removed in
 * `afterAll` — `const certs = useCerts({ beforeAll, afterAll })` at the top of a file in
 * place of the `let` and the two hooks. Reading a field before `beforeAll` ran throws.
 */
export function useCerts(hooks: SuiteHooks): TestCerts {
  let made: TestCerts | undefined;
  hooks.beforeAll(() => {
    made = makeCerts();
  });
  hooks.afterAll(() => made?.remove());
  const get = (): TestCerts => {
    if (made === undefined) throw new Error('the certificates are made in beforeAll');
    return made;
  };
  return {
    get dir() {
      return get().dir;
    },
    get ca() {
      return get().ca;
    },
    get server() {
      return get().server;
    },
    get renewed() {
      return get().renewed;
    },
    get other() {
      return get().other;
    },
    get client() {
      return get().client;
    },
    get stranger() {
      return get().stranger;
    },
    remove: () => get().remove(),
  };
}
