/**
 * TLS behind a PROXY header read in the worker or child (`proxyProtocol.parseIn: 'runner'`),
 * under threading and forking: the server's process moves the untouched socket, the runner
 * reads the header first, then runs the handshake on what follows, and the handler sees the
 * header's source with the TLS session. A bad header is refused before any handshake: counted
 * as `proxyRejected` by the server's process, not as a failed handshake.
 */
import diagnostics from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { ForkingStrategy } from '@sockserve/forking';
import { makeCerts, type TestCerts } from '@sockserve/test-support';
import { ThreadingStrategy } from '@sockserve/threading';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ProxiedHandler } from './fixtures/handlers.js';
import { proxiedTlsReply } from './helpers/clients.js';
import { Servers } from './helpers/serve.js';

let certs: TestCerts;
beforeAll(() => {
  certs = makeCerts();
});
afterAll(() => certs.remove());
const servers = new Servers();
const raw = new Set<Socket>();
afterEach(async () => {
  for (const socket of raw) socket.destroy();
  raw.clear();
  await servers.closeAll();
});

const HEADER = 'PROXY TCP4 192.0.2.7 127.0.0.1 40000 443\r\n';

const STRATEGIES = {
  threading: () => new ThreadingStrategy({ maxWorkers: 2 }),
  forking: () => new ForkingStrategy({ maxChildren: 2 }),
};

describe.each(['threading', 'forking'] as const)('%s', (name) => {
  const serve = () =>
    servers.tls(ProxiedHandler, {
      key: certs.server.key,
      cert: certs.server.cert,
      strategy: STRATEGIES[name](),
      proxyProtocol: { trusted: ['127.0.0.1/32'], parseIn: 'runner' },
    });

  it('the runner reads the header, then the handshake; the handler sees both', async () => {
    const server = await serve();
    const reply = await proxiedTlsReply(server.serverAddress, HEADER, certs.ca.cert, raw);
    expect(JSON.parse(reply)).toMatchObject({
      client: '192.0.2.7',
      proxy: { host: '192.0.2.7', port: 40000 },
      tls: 'TLSv1.3',
    });
    expect(server.stats).toMatchObject({ accepted: 1, handshakeFailed: 0 });
    expect(server.stats.proxyRejected ?? 0).toBe(0);
  });

  it('a ClientHello without a header is refused as bad-signature, not as a failed handshake', async () => {
    const reasons: string[] = [];
    const listen = (message: unknown) => reasons.push((message as { reason: string }).reason);
    diagnostics.subscribe('sockserve:proxy.rejected', listen);
    const server = await serve();
    const { host, port } = server.serverAddress;
    const error = await new Promise<unknown>((resolve) => {
      const secure = tlsConnect({ host, port, ca: certs.ca.cert, servername: 'localhost' });
      secure.on('error', resolve);
      secure.on('close', () => resolve(undefined));
    });
    expect(error).toMatchObject({ code: 'ECONNRESET' });
    await vi.waitFor(() => expect(server.stats.proxyRejected).toBe(1));
    diagnostics.unsubscribe('sockserve:proxy.rejected', listen);
    expect(reasons).toEqual(['bad-signature']);
    expect(server.stats).toMatchObject({ handshakeFailed: 0 });
  });
});
