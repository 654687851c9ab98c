/**
 * `maxConnectionsPerClient` on a real TCP server (issue 20): one client address holding its
 * share is refused at once (a reset, counted in `stats.refusedPerClient`, published with
 * reason `per-client-limit`) while another address is still served; a released connection
 * frees its place. Clients bind 127.0.0.1 and 127.0.0.2 (both loopback).
 */
import diagnostics from 'node:diagnostics_channel';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { AsyncStrategy } from '@sockserve/core';
import { clientKey } from '@sockserve/core/kit';
import { StreamRequestHandler } from '@sockserve/stream';
import { closeAfterEach } from '@sockserve/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { TCPServer } from '../src/index.js';

const { servers, sockets } = closeAfterEach<TCPServer>({ afterEach }, { closeTimeout: 100 });

/** Echoes lines until the client closes. */
class LineEcho extends StreamRequestHandler {
  override async handle(): Promise<void> {
    for await (const line of this.rfile) await this.wfile.write(line);
  }
}

async function serve(options: object) {
  const server = await TCPServer.create({ host: '127.0.0.1', port: 0 }, LineEcho, {
    strategy: new AsyncStrategy(),
    ...options,
  });
  servers.push(server);
  server.serveForever().catch(() => {});
  return server;
}

/** Connects from `localAddress`; resolves once the server echoed a line (the connection is served). */
async function served(port: number, localAddress: string): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port, localAddress });
  sockets.push(socket);
  socket.write('hi\n');
  const [data] = (await once(socket, 'data')) as [Buffer];
  expect(data.toString()).toBe('hi\n');
  return socket;
}

/** Connects from `localAddress` and waits for the server to reset it. */
async function reset(port: number, localAddress: string): Promise<NodeJS.ErrnoException> {
  const socket = connect({ host: '127.0.0.1', port, localAddress });
  sockets.push(socket);
  const [error] = (await once(socket, 'error')) as [NodeJS.ErrnoException];
  return error;
}

describe('maxConnectionsPerClient', () => {
  it('refuses the client over its share at once, with a reset, counted and published', async () => {
    const server = await serve({ maxConnectionsPerClient: 2 });
    const { port } = server.serverAddress;
    const refused: unknown[] = [];
    const onRefused = (message: unknown) => refused.push(message);
    diagnostics.subscribe('sockserve:connection.refused', onRefused);
    try {
      await served(port, '127.0.0.1');
      await served(port, '127.0.0.1');
      expect((await reset(port, '127.0.0.1')).code).toBe('ECONNRESET');
      // Another client is not affected.
      await served(port, '127.0.0.2');
    } finally {
      diagnostics.unsubscribe('sockserve:connection.refused', onRefused);
    }
    expect(server.stats).toMatchObject({ accepted: 3, refused: 0, refusedPerClient: 1 });
    expect(refused).toEqual([
      expect.objectContaining({
        reason: 'per-client-limit',
        clientAddress: expect.objectContaining({ host: '127.0.0.1' }),
      }),
    ]);
  });

  it('a released connection frees its place', async () => {
    const server = await serve({ maxConnectionsPerClient: 1 });
    const { port } = server.serverAddress;
    const first = await served(port, '127.0.0.1');
    expect((await reset(port, '127.0.0.1')).code).toBe('ECONNRESET');
    first.end();
    await once(first, 'close');
    // The server releases the connection once its handler has returned: retry until it has.
    for (;;) {
      const socket = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.1' });
      sockets.push(socket);
      socket.write('again\n');
      const outcome = await Promise.race([
        once(socket, 'data').then(([data]) => String(data)),
        once(socket, 'error').then(() => 'reset'),
      ]);
      if (outcome === 'reset') continue;
      expect(outcome).toBe('again\n');
      break;
    }
    expect(server.stats.refusedPerClient).toBeGreaterThanOrEqual(1);
  });

  it('rejects a bad value before binding', () => {
    expect(
      () => new TCPServer({ host: '127.0.0.1', port: 0 }, LineEcho, { maxConnectionsPerClient: 0 }),
    ).toThrow(expect.objectContaining({ code: 'ERR_SOCKSERVE_INVALID_OPTION' }));
    expect(
      () => new TCPServer({ host: '127.0.0.1', port: 0 }, LineEcho, { perClientIpv6Prefix: 129 }),
    ).toThrow(expect.objectContaining({ code: 'ERR_SOCKSERVE_INVALID_OPTION' }));
  });
});

describe('clientKey', () => {
  it('an IPv4 address is its own key; a mapped one counts as the IPv4 address', () => {
    expect(clientKey('127.0.0.1', 64)).toBe('127.0.0.1');
    expect(clientKey('::ffff:127.0.0.1', 64)).toBe('127.0.0.1');
  });

  it('IPv6 addresses in one prefix share a key; the prefix is configurable', () => {
    expect(clientKey('2001:db8:1:2:aaaa::1', 64)).toBe('2001:db8:1:2/64');
    expect(clientKey('2001:db8:1:2:bbbb::9', 64)).toBe('2001:db8:1:2/64');
    expect(clientKey('2001:db8:1:3::1', 64)).toBe('2001:db8:1:3/64');
    expect(clientKey('2001:db8:1:2:aaaa::1', 56)).toBe('2001:db8:1:0/56');
    expect(clientKey('::1', 128)).toBe('0:0:0:0:0:0:0:1/128');
    expect(clientKey('fe80::1%lo', 64)).toBe('fe80:0:0:0/64');
  });

  it('a connection without an address (Unix domain) has no key', () => {
    expect(clientKey(undefined, 64)).toBeUndefined();
    expect(clientKey('', 64)).toBeUndefined();
  });
});
