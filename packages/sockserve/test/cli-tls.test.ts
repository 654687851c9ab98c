/**
 * The command's TLS flags: `--tls-cert/--tls-key [--tls-ca --tls-request-cert]` with `--tcp`
 * serve TLS (in process and under --threads), SIGHUP re-reads the files and new clients get
 * the new certificate; flags that don't fit are usage errors (exit 2, one line).
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { selfSignedCert } from '@sockserve/test-support';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CliProcess, portOf, runCli } from './cli-process.js';

let dir: string;
/** A self-signed `localhost` certificate in `dir` (made by `openssl req`; no committed key). */
function makeCert(name: string): { cert: string; key: string } {
  const made = selfSignedCert(dir, name);
  return { cert: made.certFile, key: made.keyFile };
}

let first: { cert: string; key: string };
let second: { cert: string; key: string };
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sockserve-cli-tls-'));
  first = makeCert('first');
  second = makeCert('second');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const running: CliProcess[] = [];
afterEach(async () => {
  for (const cli of running.splice(0)) await cli.stop('SIGKILL');
});

/** One line over TLS, trusting `caFile`; resolves the reply and the certificate's fingerprint. */
function exchange(port: number, caFile: string): Promise<{ reply: string; fingerprint: string }> {
  const ca = execFileSync('cat', [caFile], { encoding: 'utf8' });
  return new Promise((resolve, reject) => {
    let fingerprint = '';
    const socket = connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      fingerprint = socket.getPeerCertificate().fingerprint256;
      socket.end('ping\n');
    });
    let reply = '';
    socket.setEncoding('utf8').on('data', (text: string) => (reply += text));
    socket.on('error', reject);
    socket.on('close', () => resolve({ reply, fingerprint }));
  });
}

describe('sockserve serve --tls-cert --tls-key', () => {
  for (const strategy of [[], ['--threads', '2']]) {
    it(`serves TLS and reloads the certificate on SIGHUP ${strategy.join(' ') || '(sequential)'}`, async () => {
      const cert = join(dir, `live-${strategy.length}.crt`);
      const key = join(dir, `live-${strategy.length}.key`);
      copyFileSync(first.cert, cert);
      copyFileSync(first.key, key);
      const cli = new CliProcess([
        'serve',
        '--tcp',
        '127.0.0.1:0',
        '--tls-cert',
        cert,
        '--tls-key',
        key,
        ...strategy,
        './echo.mjs',
      ]);
      running.push(cli);
      const port = portOf(await cli.listening());
      const before = await exchange(port, first.cert);
      expect(before.reply).toMatch(/^ping from /);
      expect(before.fingerprint).toBe(
        new X509Certificate(execFileSync('cat', [first.cert])).fingerprint256,
      );

      copyFileSync(second.cert, cert);
      copyFileSync(second.key, key);
      cli.child.kill('SIGHUP');
      await cli.stderrMatching(/reloaded TLS certificates from /);
      const after = await exchange(port, second.cert);
      expect(after.reply).toMatch(/^ping from /);
      expect(after.fingerprint).toBe(
        new X509Certificate(execFileSync('cat', [second.cert])).fingerprint256,
      );

      // A reload that fails keeps the certificates it has.
      writeFileSync(key, 'not a key\n');
      cli.child.kill('SIGHUP');
      await cli.stderrMatching(/TLS reload failed, the old certificates stay: /);
      expect((await exchange(port, second.cert)).reply).toMatch(/^ping from /);
      expect(cli.running).toBe(true);
    });
  }

  const usage: Array<[string, string[], string]> = [
    [
      'a certificate without its key',
      ['--tls-cert', 'x.crt'],
      'sockserve: TLS needs both --tls-cert FILE and --tls-key FILE',
    ],
    [
      '--tls-request-cert without --tls-ca',
      ['--tls-cert', 'x.crt', '--tls-key', 'x.key', '--tls-request-cert'],
      'sockserve: --tls-request-cert needs --tls-ca FILE: the CAs that verify client certificates',
    ],
  ];
  it.each(usage)('%s is a usage error', async (_name, flags, line) => {
    const { code, stdout, stderr } = await runCli([
      'serve',
      '--tcp',
      '127.0.0.1:0',
      ...flags,
      './echo.mjs',
    ]);
    expect({ code, stdout, stderr: stderr.trimEnd() }).toEqual({
      code: 2,
      stdout: '',
      stderr: line,
    });
  });

  it('TLS over UDP is a usage error', async () => {
    const { code, stderr } = await runCli([
      'serve',
      '--udp',
      '127.0.0.1:0',
      '--tls-cert',
      'x',
      '--tls-key',
      'y',
      './datagram.mjs#DatagramUpper',
    ]);
    expect({ code, stderr: stderr.trimEnd() }).toEqual({
      code: 2,
      stderr:
        'sockserve: --tls-cert and --tls-key serve TLS over TCP: use them with --tcp, not --udp',
    });
  });

  it('a certificate file that cannot be read is named', async () => {
    const { code, stderr } = await runCli([
      'serve',
      '--tcp',
      '127.0.0.1:0',
      '--tls-cert',
      join(dir, 'missing.crt'),
      '--tls-key',
      first.key,
      './echo.mjs',
    ]);
    expect(code).toBe(2);
    expect(stderr).toBe(
      `sockserve: --tls-cert ${JSON.stringify(join(dir, 'missing.crt'))}: cannot read it (ENOENT)\n`,
    );
  });
});
