/**
 * Silent connections under threading with a first-byte deadline (issue 20): where Node moves
 * sockets to workers they move at once and wait in the worker for their first bytes — no
 * byte is relayed through the main thread — holding no worker slot while silent; the worker
 * ends them at the deadline (published in the server's thread as the hand-over does) or when
 * the server closes. Where Node can't move a socket (Node 22, `transfer: 'relay'`) they wait in
 * the main thread and a speaking client's bytes are relayed; slots are not held either way.
 */

import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { LineClient } from '@sockserve/conformance';
import { TCPServer } from '@sockserve/tcp';
import { openServers, socketsMoveToWorkers } from '@sockserve/test-support';
import { type ThreadingOptions, ThreadingStrategy } from '@sockserve/threading';
import { afterEach, expect, it } from 'vitest';
import { EchoLinesHandler } from './fixtures/head-bytes.ts';

const moves = await socketsMoveToWorkers();
const { servers, sockets, close } = openServers<TCPServer>({ closeTimeout: 1_000 });
const idleEvents: Array<{ reason: string; timeout: number | null }> = [];
let idleWaiter: { count: number; resolve: () => void } | undefined;
const onIdle = (message: unknown) => {
  idleEvents.push(message as (typeof idleEvents)[number]);
  if (idleWaiter !== undefined && idleEvents.length >= idleWaiter.count) idleWaiter.resolve();
};
/**
 * Resolves once `count` idle events were published. The client sees its socket close when the
 * worker closes it; the worker's `done` (which the server publishes) can reach the main thread
 * after that, so a test waits for the events rather than checking at the close.
 */
function idleEventsReach(count: number): Promise<void> {
  if (idleEvents.length >= count) return Promise.resolve();
  return new Promise((resolve) => {
    idleWaiter = { count, resolve };
  });
}
subscribe('sockserve:connection.idle', onIdle);
afterEach(async () => {
  await close();
  idleEvents.length = 0;
  idleWaiter = undefined;
});
process.once('exit', () => unsubscribe('sockserve:connection.idle', onIdle));

/** A one-worker server with two slots and a first-byte deadline of `deadline` ms. */
async function serve(deadline: number, options: ThreadingOptions = {}) {
  const strategy = new ThreadingStrategy({ maxWorkers: 1, maxRequestsPerWorker: 2, ...options });
  strategy.waitForFirstBytes = true;
  strategy.handlerDefaults = { firstByteTimeout: deadline };
  const server = await TCPServer.create({ host: '127.0.0.1', port: 0 }, EchoLinesHandler, {
    strategy,
  });
  servers.push(server);
  server.serveForever().catch(() => {});
  return { server, strategy };
}

/** Opens `n` connections that send nothing. */
function silent(server: TCPServer, n: number): Socket[] {
  return Array.from({ length: n }, () => {
    const socket = connect({ host: '127.0.0.1', port: server.serverAddress.port });
    socket.on('error', () => {});
    sockets.push(socket);
    return socket;
  });
}

/** A client that speaks: its bytes reach the handler whole, by the path this Node allows. */
async function speak(server: TCPServer, path: 'socket' | 'relay'): Promise<void> {
  const client = await LineClient.connect(server.serverAddress);
  client.write('first\n');
  expect(await client.line()).toBe(`via ${path}\n`);
  expect(await client.line()).toBe('echo first\n');
  client.socket.end('second\n');
  expect(await client.rest()).toBe('echo second\n');
}

it('three silent connections hold none of a worker’s two slots; the worker ends them at the deadline', async () => {
  // Long enough that a stalled loop can't fire it before the speaking client's bytes.
  const { server, strategy } = await serve(2_000);
  const idle = silent(server, 3);
  const closed = idle.map((socket) => once(socket, 'close'));
  await Promise.all(idle.map((socket) => once(socket, 'connect')));
  await speak(server, moves ? 'socket' : 'relay');
  await speak(server, moves ? 'socket' : 'relay');
  for (const socket of idle) socket.resume();
  await Promise.all(closed);
  await idleEventsReach(3);
  expect(idleEvents.map((e) => [e.reason, e.timeout])).toEqual([
    ['first-byte-timeout', 2_000],
    ['first-byte-timeout', 2_000],
    ['first-byte-timeout', 2_000],
  ]);
  expect(strategy.active).toBe(0);
});

it('closing the server ends silent connections at once, not at their deadline', async () => {
  const { server, strategy } = await serve(60_000);
  const idle = silent(server, 2);
  await Promise.all(idle.map((socket) => once(socket, 'connect')));
  // A request that spoke proves the silent ones reached the strategy (accepted in order).
  await speak(server, moves ? 'socket' : 'relay');
  const closed = idle.map((socket) => {
    socket.resume();
    return once(socket, 'close');
  });
  servers.splice(0);
  await server.shutdown();
  await server.serverClose({ timeout: 1000 });
  await Promise.all(closed);
  expect(idleEvents).toEqual([]);
  expect(strategy.active).toBe(0);
});

it("with transfer: 'relay' (as on Node 22) silent connections wait in the main thread; a speaker is relayed", async () => {
  const { server, strategy } = await serve(2_000, { transfer: 'relay' });
  const idle = silent(server, 3);
  const closed = idle.map((socket) => once(socket, 'close'));
  await Promise.all(idle.map((socket) => once(socket, 'connect')));
  await speak(server, 'relay');
  for (const socket of idle) socket.resume();
  await Promise.all(closed);
  await idleEventsReach(3);
  expect(idleEvents.map((e) => e.reason)).toEqual([
    'first-byte-timeout',
    'first-byte-timeout',
    'first-byte-timeout',
  ]);
  expect(strategy.active).toBe(0);
});
