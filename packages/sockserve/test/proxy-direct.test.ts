/**
 * The `proxyProtocol` option with clients that play the proxy themselves (real loopback
 * sockets, headers from the encoder): bad headers closed with the exact reason and error while
 * good connections go on; the header and the client's first bytes in one write, under every
 * strategy; a connection waiting for its header counts toward `maxConnections`; options
 * checked before anything is bound; Unix stream and UDP.
 */

import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { join } from 'node:path';
import { AsyncStrategy } from '@sockserve/core';
import { encodeProxyHeader } from '@sockserve/proxy-protocol';
import { TCPServer } from '@sockserve/tcp';
import { ThreadingStrategy } from '@sockserve/threading';
import { UDPServer } from '@sockserve/udp';
import { UnixStreamServer } from '@sockserve/unix';
import { afterEach, describe, expect, it } from 'vitest';
import { ProxyDatagramEchoHandler, ProxyEchoHandler } from './fixtures/proxy-echo.ts';
import { removeTempDirs, tempDir } from './helpers.ts';
import {
  askLine,
  closeAll,
  onTeardown,
  rejections,
  STRATEGIES,
  serveTcp,
  v2Header,
} from './proxy-servers.ts';

afterEach(async () => {
  await closeAll();
  removeTempDirs();
});

const v2 = (host: string, port: number) =>
  v2Header(host, port, [{ type: 0x05, value: Buffer.from('conn-7') }]);

describe.each(Object.keys(STRATEGIES) as (keyof typeof STRATEGIES)[])('%s', (strategy) => {
  it('a header and the first line in one write: the handler reads the line, sees the header', async () => {
    const server = await serveTcp(strategy, ProxyEchoHandler, {
      proxyProtocol: { trusted: ['127.0.0.1'] },
    });
    const { line } = await askLine(
      server.serverAddress.port,
      Buffer.concat([v2('203.0.113.9', 4242), Buffer.from('same write\n')]),
    );
    expect(line).toBe('203.0.113.9:4242 v2 PROXY same write\n');
  });
});

it('an HTTP request instead of a header is closed as bad-signature; the next good one is served', async () => {
  const seen = rejections();
  const server = await serveTcp('async', ProxyEchoHandler, {
    proxyProtocol: { trusted: ['127.0.0.1'] },
  });
  const port = server.serverAddress.port;
  expect((await askLine(port, 'GET / HTTP/1.1\r\n\r\n')).line).toBe('');
  expect(seen).toEqual([
    expect.objectContaining({
      reason: 'bad-signature',
      error: expect.objectContaining({
        code: 'ERR_SOCKSERVE_PROXY_HEADER',
        reason: 'bad-signature',
      }),
    }),
  ]);
  const v1 = 'PROXY TCP4 198.51.100.1 198.51.100.2 5555 80\r\nnext\n';
  expect((await askLine(port, v1)).line).toBe('198.51.100.1:5555 v1 PROXY next\n');
  expect(server.stats).toMatchObject({ accepted: 1, proxyRejected: 1 });
  expect(server.errors).toEqual([]);
});

it('a connection still waiting for its header counts toward maxConnections', async () => {
  const server = await serveTcp('async', ProxyEchoHandler, {
    proxyProtocol: { trusted: ['127.0.0.1'] },
    maxConnections: 1,
  });
  const port = server.serverAddress.port;
  const { connect } = await import('node:net');
  const waiting = connect({ host: '127.0.0.1', port });
  waiting.on('error', () => {});
  onTeardown(async () => waiting.destroy());
  await once(waiting, 'connect');
  waiting.write('PROXY TCP4 ');
  const refused = await askLine(port, 'PROXY UNKNOWN\r\nhello\n');
  expect(refused.line).toBe('');
  expect(server.stats.refused).toBe(1);
  waiting.end('198.51.100.1 198.51.100.2 1 2\r\nfirst\n');
  let reply = '';
  waiting.setEncoding('latin1');
  for await (const chunk of waiting) reply += chunk as string;
  expect(reply).toBe('198.51.100.1:1 v1 PROXY first\n');
});

it('options are checked before anything is bound: any must be written out, CIDRs must parse', () => {
  const bad = [
    { trusted: [] },
    { trusted: ['10.0.0.1/'] },
    { trusted: 'any' },
    { trusted: ['any'], versions: [3] },
  ];
  for (const proxyProtocol of bad) {
    expect(
      () =>
        new TCPServer({ host: '127.0.0.1', port: 0 }, ProxyEchoHandler, {
          proxyProtocol: proxyProtocol as never,
          bindAndActivate: false,
        }),
    ).toThrow(
      expect.objectContaining({ code: 'ERR_SOCKSERVE_INVALID_OPTION', option: 'proxyProtocol' }),
    );
  }
  expect(
    () =>
      new UnixStreamServer(join(tempDir(), 's.sock'), ProxyEchoHandler, {
        proxyProtocol: { trusted: ['127.0.0.1'] },
        bindAndActivate: false,
      }),
  ).toThrow(expect.objectContaining({ option: 'proxyProtocol' }));
});

it('Unix stream: the header from a local proxy gives the handler the real client', async () => {
  const server = await UnixStreamServer.create(join(tempDir(), 'proxied.sock'), ProxyEchoHandler, {
    proxyProtocol: { trusted: ['any'] },
    strategy: new AsyncStrategy(),
  });
  const loop = server.serveForever();
  onTeardown(async () => {
    await server.shutdown();
    await loop;
    await server.serverClose();
  });
  const { connect } = await import('node:net');
  const client = connect({ path: server.serverAddress.path });
  await once(client, 'connect');
  client.end(Buffer.concat([v2('203.0.113.5', 6000), Buffer.from('over unix\n')]));
  let reply = '';
  client.setEncoding('latin1');
  for await (const chunk of client) reply += chunk as string;
  expect(reply).toBe('203.0.113.5:6000 v2 PROXY over unix\n');
});

describe.each([
  ['async', () => new AsyncStrategy()],
  ['threading', () => new ThreadingStrategy({ maxWorkers: 1 })],
] as const)('UDP, %s', (_name, strategy) => {
  it('a v2 header on each datagram: the handler sees the client, the reply goes to the proxy; bad ones dropped', async () => {
    const seen = rejections();
    const server = await UDPServer.create(
      { host: '127.0.0.1', port: 0 },
      ProxyDatagramEchoHandler,
      {
        proxyProtocol: { trusted: ['127.0.0.1'] },
        strategy: strategy(),
      },
    );
    const loop = server.serveForever();
    onTeardown(async () => {
      await server.shutdown();
      await loop;
      await server.serverClose();
    });
    const proxy = createSocket('udp4');
    onTeardown(async () => proxy.close());
    await new Promise<void>((resolve) => proxy.bind(0, '127.0.0.1', resolve));
    const header = encodeProxyHeader({
      version: 2,
      family: 'IPv4',
      transport: 'dgram',
      source: { family: 'IPv4', host: '198.51.100.7', port: 5353 },
      destination: { family: 'IPv4', host: '198.51.100.8', port: 53 },
    });
    const { port } = server.serverAddress;
    proxy.send(Buffer.from('no header'), port, '127.0.0.1');
    proxy.send(Buffer.concat([header, Buffer.from('query')]), port, '127.0.0.1');
    const [reply] = await once(proxy, 'message');
    expect(String(reply)).toBe('198.51.100.7:5353 v2 query');
    expect(server.stats).toMatchObject({ accepted: 1, proxyRejected: 1 });
    expect(seen[0]).toMatchObject({ reason: 'bad-signature' });
  });
});

it('maxConnectionsPerClient counts the header source, not the proxy', async () => {
  const server = await serveTcp('async', ProxyEchoHandler, {
    proxyProtocol: { trusted: ['127.0.0.1'] },
    maxConnectionsPerClient: 1,
  });
  const port = server.serverAddress.port;
  const { connect } = await import('node:net');
  const open = (source: string) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('error', () => {});
    onTeardown(async () => socket.destroy());
    socket.write(`PROXY TCP4 ${source} 192.0.2.80 1000 80\r\n`);
    return socket;
  };
  // One connection of client A stays open (its handler waits for a line).
  const first = open('198.51.100.1');
  await new Promise<void>((resolve) => {
    const check = () => (server.stats.accepted === 1 ? resolve() : setImmediate(check));
    check();
  });
  // Another client through the same proxy is served; a second one of A is reset.
  expect((await askLine(port, 'PROXY TCP4 198.51.100.2 192.0.2.80 2 80\r\nb\n')).line).toBe(
    '198.51.100.2:2 v1 PROXY b\n',
  );
  expect((await askLine(port, 'PROXY TCP4 198.51.100.1 192.0.2.80 3 80\r\na\n')).line).toBe('');
  expect(server.stats.refusedPerClient).toBe(1);
  first.destroy();
});
