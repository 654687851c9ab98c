/**
 * `waitForFirstBytes` (issue 20): a connection reaches a child only once it sent something.
 * Silent connections wait in the server's process — closed there after the first-byte
 * deadline, counted by the per-client cap, closed by `serverClose()` — and hold no child, so
 * with one child a client that speaks is answered while silent ones wait. The first bytes,
 * read in the server to see the connection was not idle, reach the handler first and whole.
 */
import diagnostics from 'node:diagnostics_channel';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { LineClient } from '@sockserve/conformance';
import { ForkingStrategy } from '@sockserve/forking';
import { TCPServer } from '@sockserve/tcp';
import { openServers } from '@sockserve/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { EchoLinesHandler } from '../../threading/test/fixtures/head-bytes.ts';
import { childrenOf } from './fixtures/processes.ts';

const { servers, sockets, close } = openServers<TCPServer>({ closeTimeout: 1_000 });
afterEach(async () => {
  await close();
  expect(childrenOf()).toEqual([]);
});

/** One child at most; connections handed over on their first bytes. */
async function serve(
  firstByteTimeout: number,
  options: { transfer?: 'auto' | 'relay'; maxConnectionsPerClient?: number } = {},
) {
  const { transfer = 'auto', ...serverOptions } = options;
  const strategy = new ForkingStrategy({ maxChildren: 1, transfer });
  strategy.waitForFirstBytes = true;
  strategy.handlerDefaults = { firstByteTimeout };
  const server = await TCPServer.create({ host: '127.0.0.1', port: 0 }, EchoLinesHandler, {
    strategy,
    ...serverOptions,
  });
  servers.push(server);
  server.serveForever().catch(() => {});
  return server;
}

/** A connection that sends nothing; resolves once connected. */
async function silent(port: number): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port });
  sockets.push(socket);
  socket.on('error', () => {});
  await once(socket, 'connect');
  return socket;
}

describe.each(['auto', 'relay'] as const)('transfer: %s', (transfer) => {
  it('one child, five silent connections: a client that speaks is answered, its bytes whole', async () => {
    const server = await serve(60_000, { transfer });
    const { port } = server.serverAddress;
    for (let i = 0; i < 5; i += 1) await silent(port);
    const client = await LineClient.connect(server.serverAddress);
    client.write('first\n');
    expect(await client.line()).toBe(`via ${transfer === 'auto' ? 'socket' : 'relay'}\n`);
    expect(await client.line()).toBe('echo first\n');
    client.write('second\n');
    expect(await client.line()).toBe('echo second\n');
    client.socket.end();
    expect(await client.rest()).toBe('');
    // And the next one gets the child too: the silent ones never took it.
    const next = await LineClient.connect(server.serverAddress);
    next.socket.end('again\n');
    expect(await next.rest()).toMatch(/echo again\n$/);
    expect(server.stats.accepted).toBe(7);
  });
});

it('a silent connection is closed in the server after the first-byte deadline, published', async () => {
  const server = await serve(150);
  const idle: unknown[] = [];
  const onIdle = (message: unknown) => idle.push(message);
  diagnostics.subscribe('sockserve:connection.idle', onIdle);
  try {
    const socket = await silent(server.serverAddress.port);
    socket.resume();
    await once(socket, 'end');
  } finally {
    diagnostics.unsubscribe('sockserve:connection.idle', onIdle);
  }
  expect(idle).toEqual([expect.objectContaining({ reason: 'first-byte-timeout', timeout: 150 })]);
  // Nothing else was lost: a client that speaks is still served.
  const client = await LineClient.connect(server.serverAddress);
  client.socket.end('late\n');
  expect(await client.rest()).toBe('via socket\necho late\n');
});

it('waiting connections count toward maxConnectionsPerClient', async () => {
  const server = await serve(60_000, { maxConnectionsPerClient: 2 });
  const { port } = server.serverAddress;
  await silent(port);
  await silent(port);
  const third = connect({ host: '127.0.0.1', port });
  sockets.push(third);
  const [error] = (await once(third, 'error')) as [NodeJS.ErrnoException];
  expect(error.code).toBe('ECONNRESET');
  expect(server.stats).toMatchObject({ accepted: 2, refusedPerClient: 1 });
});

it('serverClose() ends the waiting connections at once and completes', async () => {
  const server = await serve(60_000);
  const waiting = [
    await silent(server.serverAddress.port),
    await silent(server.serverAddress.port),
  ];
  for (const socket of waiting) socket.resume();
  servers.splice(servers.indexOf(server), 1);
  await server.shutdown();
  await server.serverClose({ timeout: 5000 });
  for (const socket of waiting) if (!socket.readableEnded) await once(socket, 'end');
  expect(server.stats.accepted).toBe(2);
});
