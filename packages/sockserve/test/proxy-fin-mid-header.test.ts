/**
 * A client's FIN while its PROXY header is read (the header read listens for `'close'` only on
 * a socket, which is not half-open meanwhile — issue 14): refused at once as `truncated` after
 * some bytes, a health check before any byte, never left to the header timeout; and a header
 * followed by the request and the FIN in one write is served, its reply written after the FIN
 * (half-open again once the header is read). Real loopback sockets, TCP.
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { encodeProxyHeader } from '@sockserve/proxy-protocol';
import { afterEach, expect, it, vi } from 'vitest';
import { ProxyEchoHandler } from './fixtures/proxy-echo.ts';
import { closeAll, localProxiedServer, onTeardown } from './proxy-servers.ts';

afterEach(closeAll);

const header = encodeProxyHeader({
  version: 2,
  family: 'IPv4',
  source: { family: 'IPv4', host: '192.0.2.1', port: 1 },
  destination: { family: 'IPv4', host: '192.0.2.2', port: 2 },
});

/** Sends `data`, then FIN; resolves with what came back and whether the server reset. */
async function sendAndEnd(port: number, data: Buffer): Promise<{ got: string; reset: boolean }> {
  const client: Socket = connect({ host: '127.0.0.1', port });
  onTeardown(async () => client.destroy());
  let got = '';
  let reset = false;
  client.on('data', (chunk: Buffer) => {
    got += chunk.toString('latin1');
  });
  client.on('error', () => {
    reset = true;
  });
  await once(client, 'connect');
  client.end(data);
  await once(client, 'close');
  return { got, reset };
}

it('FIN after half a v2 header or half a v1 line: truncated, counted, published, closed', async () => {
  const { server, port, reasons } = await localProxiedServer(ProxyEchoHandler);
  for (const half of [header.subarray(0, 20), Buffer.from('PROXY TCP4 192.0.2.1')]) {
    const { got } = await sendAndEnd(port, half);
    expect(got).toBe('');
  }
  // Counted when the server's socket closes, which may come after the client's.
  await vi.waitFor(() => expect(server.stats.proxyRejected).toBe(2));
  expect(server.stats.accepted).toBe(0);
  expect(reasons()).toEqual(['truncated', 'truncated']);
  expect(server.stats.proxyHealthChecks ?? 0).toBe(0);
});

it('FIN before any byte: a health check, not a rejection', async () => {
  const { server, port, reasons } = await localProxiedServer(ProxyEchoHandler);
  const { got } = await sendAndEnd(port, Buffer.alloc(0));
  expect(got).toBe('');
  await vi.waitFor(() => expect(server.stats.proxyHealthChecks).toBe(1));
  expect(server.stats.accepted).toBe(0);
  expect(server.stats.proxyRejected ?? 0).toBe(0);
  expect(reasons()).toEqual([]);
});

it('header, request and FIN in one write: served, the reply written after the FIN', async () => {
  const { server, port, reasons } = await localProxiedServer(ProxyEchoHandler);
  for (let i = 0; i < 3; i++) {
    const { got, reset } = await sendAndEnd(port, Buffer.concat([header, Buffer.from(`r${i}\n`)]));
    expect({ got, reset }).toEqual({ got: `192.0.2.1:1 v2 PROXY r${i}\n`, reset: false });
  }
  // A header alone, then FIN: the request is empty, still served (half-open after the header).
  const alone = await sendAndEnd(port, header);
  expect(alone.reset).toBe(false);
  expect(server.stats).toMatchObject({ accepted: 4 });
  expect(server.stats.proxyRejected ?? 0).toBe(0);
  expect(reasons()).toEqual([]);
});
