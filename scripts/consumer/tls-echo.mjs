// A TLS echo from the packed tarballs: a certificate made now with `openssl req` (no key is
// committed), a TLSServer (async strategy) on 127.0.0.1 port 0, a Node `tls.connect` client
// that verifies the certificate, one line echoed with what the handler saw of the session
// (`this.tls`), then serverClose(). Exit 1 on any mismatch.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { AsyncStrategy } from '@sockserve/core';
import { StreamRequestHandler } from '@sockserve/stream';
import { TLSServer } from '@sockserve/tls';

class TLSEcho extends StreamRequestHandler {
  async handle() {
    const line = (await this.rfile.readline()).toString().trim();
    await this.wfile.write(`${line} over ${this.tls?.protocol} to ${this.tls?.servername}\n`);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'sockserve-tls-consumer-'));
const guard = setTimeout(() => {
  console.error('tls consumer: timed out');
  process.exit(1);
}, 30_000);
let server;
try {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const key = readFileSync(join(dir, 'key.pem'), 'utf8');
  const cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
  server = await TLSServer.create({ host: '127.0.0.1', port: 0 }, TLSEcho, {
    key,
    cert,
    strategy: new AsyncStrategy(),
  });
  void server.serveForever();
  const { host, port } = server.serverAddress;
  const reply = await new Promise((resolve, reject) => {
    const socket = connect({ host, port, ca: cert, servername: 'localhost' }, () =>
      socket.end('hello from a TLS consumer\n'),
    );
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => (text += chunk));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
  if (reply !== 'hello from a TLS consumer over TLSv1.3 to localhost\n') {
    throw new Error(`unexpected reply: ${JSON.stringify(reply)}`);
  }
  console.log(`reply: ${reply.trim()}`);
} catch (error) {
  console.error(`tls consumer: ${error.message}`);
  process.exitCode = 1;
} finally {
  await server?.serverClose();
  rmSync(dir, { recursive: true, force: true });
  clearTimeout(guard);
}
