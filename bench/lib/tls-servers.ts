/**
 * The TLS bench's servers (`bench/tls.ts --server KIND`, one child process each): raw
 * `node:tls` with its own line splitting, sockserve `TLSServer` under the async strategy (with or
 * without an `sni` table), and `ThreadingMixIn(TLSServer)` with 2 workers — each serving the
 * upper-case echo.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer as createTLSServer } from 'node:tls';
import { AsyncStrategy } from '@sockserve/core';
import { ThreadingMixIn } from '@sockserve/threading';
import { TLSServer } from '@sockserve/tls';
import { UpperEchoHandler } from '../handlers.ts';

/**
 * `async-sni`: async with an `sni` table naming a host the clients never ask for — the SNI
 * callback is installed (every handshake takes Node's asynchronous certificate callback) but
 * picks the default certificate: the cost of that path, next to `async` in the same run.
 */
export type Kind = 'raw' | 'async' | 'async-sni' | 'threading-2';

/** Serves the upper-case echo over TLS as `kind`; prints `listening PORT`; stops on SIGTERM. */
export async function runServer(kind: Kind, dir: string): Promise<void> {
  const key = readFileSync(join(dir, 'key.pem'), 'utf8');
  const cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
  if (kind === 'raw') {
    const server = createTLSServer({ key, cert }, (socket) => {
      let pending = '';
      socket.setEncoding('utf8');
      socket.on('data', (text: string) => {
        pending += text;
        let end = pending.indexOf('\n');
        while (end >= 0) {
          socket.write(pending.slice(0, end + 1).toUpperCase());
          pending = pending.slice(end + 1);
          end = pending.indexOf('\n');
        }
      });
      socket.on('end', () => socket.end());
      socket.on('error', () => {});
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    console.log(`listening ${(server.address() as { port: number }).port}`);
    await once(process, 'SIGTERM');
    server.close();
    process.exit(0);
  }
  const address = { host: '127.0.0.1', port: 0 };
  const server =
    kind === 'async' || kind === 'async-sni'
      ? await TLSServer.create(address, UpperEchoHandler, {
          key,
          cert,
          ...(kind === 'async-sni' ? { sni: { 'unused.test': { key, cert } } } : {}),
          strategy: new AsyncStrategy(),
        })
      : await ThreadingMixIn(TLSServer).create(address, UpperEchoHandler, {
          key,
          cert,
          minWorkers: 2,
          maxWorkers: 2,
        });
  console.log(`listening ${server.serverAddress.port}`);
  const loop = server.serveForever();
  await once(process, 'SIGTERM');
  await server.serverClose({ timeout: 0 });
  await loop;
  process.exit(0);
}
