/**
 * A connection whose PROXY header is still arriving when the server closes: reset, counted
 * in `stats.proxyRejected` and published with reason `closing` (it used to vanish from every
 * counter), while a connection already past its header is served as usual.
 */
import diagnostics from 'node:diagnostics_channel';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { encodeProxyHeader } from '@sockserve/proxy-protocol';
import { afterEach, expect, it } from 'vitest';
import { ProxyEchoHandler } from './fixtures/proxy-echo.ts';
import { askLine, closeAll, onTeardown, serveTcp } from './proxy-servers.ts';

afterEach(closeAll);

/** A proxied echo server (60 s header timeout), its v2 header, and what it publishes as rejected. */
async function serveProxied() {
  const seen: Array<{ reason: string; clientAddress: { host: string } }> = [];
  const listen = (message: unknown) => seen.push(message as (typeof seen)[number]);
  diagnostics.subscribe('sockserve:proxy.rejected', listen);
  onTeardown(async () => diagnostics.unsubscribe('sockserve:proxy.rejected', listen));
  const server = await serveTcp('async', ProxyEchoHandler, {
    proxyProtocol: { trusted: ['127.0.0.1'], headerTimeout: 60_000 },
  });
  const header = encodeProxyHeader({
    version: 2,
    family: 'IPv4',
    source: { family: 'IPv4', host: '192.0.2.1', port: 1 },
    destination: { family: 'IPv4', host: '192.0.2.2', port: 2 },
  });
  return { server, port: server.serverAddress.port, header, seen };
}

it('a header still arriving at close is reset, counted and published as closing', async () => {
  const { server, port, header, seen } = await serveProxied();
  expect((await askLine(port, Buffer.concat([header, Buffer.from('served\n')]))).line).toBe(
    '192.0.2.1:1 v2 PROXY served\n',
  );

  // The transport's own 'connection' listener came first: when ours runs, the preamble runs.
  const accepted = once(server.socket!, 'connection');
  const half: Socket = connect({ host: '127.0.0.1', port });
  half.on('error', () => {});
  onTeardown(async () => half.destroy());
  // Reset by the server: 'error' (ECONNRESET) then 'close'.
  const closed = new Promise((resolve) => half.once('close', resolve));
  await once(half, 'connect');
  half.write(header.subarray(0, 10));
  await accepted;

  await server.shutdown();
  await server.serverClose({ timeout: 1000 });
  await closed;
  expect(server.stats).toMatchObject({ accepted: 1, proxyRejected: 1 });
  expect(seen).toEqual([
    expect.objectContaining({
      reason: 'closing',
      clientAddress: expect.objectContaining({ host: '127.0.0.1' }),
    }),
  ]);
  expect(server.errors).toEqual([]);
});

it('several headers still arriving at close: each counted once, the ones that settled not at all', async () => {
  const { server, port, header, seen } = await serveProxied();
  // The header reads are reused: one settled (served) before the stalled ones start.
  expect((await askLine(port, Buffer.concat([header, Buffer.from('first\n')]))).line).toBe(
    '192.0.2.1:1 v2 PROXY first\n',
  );
  const stalled: Array<Promise<unknown>> = [];
  // Nothing, half a v2 header, half a v1 line: all three still in their preamble.
  for (const first of [Buffer.alloc(0), header.subarray(0, 20), Buffer.from('PROXY TCP4 1')]) {
    const accepted = once(server.socket!, 'connection');
    const client: Socket = connect({ host: '127.0.0.1', port });
    client.on('error', () => {});
    onTeardown(async () => client.destroy());
    stalled.push(new Promise((resolve) => client.once('close', resolve)));
    await once(client, 'connect');
    if (first.length > 0) client.write(first);
    await accepted;
  }
  // A complete header meanwhile: served, not counted at the close.
  expect((await askLine(port, Buffer.concat([header, Buffer.from('second\n')]))).line).toBe(
    '192.0.2.1:1 v2 PROXY second\n',
  );

  // stopAccepting (shutdown), then close: the second cut finds the same connections reset.
  await server.shutdown();
  await server.serverClose({ timeout: 1000 });
  await Promise.all(stalled);
  expect(server.stats).toMatchObject({ accepted: 2, proxyRejected: 3 });
  expect(seen.map((m) => m.reason)).toEqual(['closing', 'closing', 'closing']);
  expect(server.errors).toEqual([]);
});
