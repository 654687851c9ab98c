/**
 * A worker keeps its own handler-slot count (`RunnerInit.slots`) only where silent connections
 * can wait in it (`waitForFirstBytes` and a Node that moves sockets to workers). Where none can
 * move — Node 22, `transfer: 'relay'` — every stream is relayed and starts at once, so the count
 * would be a Set add and delete per request for nothing: the worker gets no slot count. Whether
 * sockets can move is known up front (`socketsTransferable`), checked here against a real move.
 */

import { LineClient } from '@sockserve/conformance';
import type { BaseServer } from '@sockserve/core';
import { TCPServer } from '@sockserve/tcp';
import { closeAfterEach, socketsMoveToWorkers } from '@sockserve/test-support';
import type { ThreadingOptions } from '@sockserve/threading';
import { afterEach, expect, it } from 'vitest';
import { socketsTransferable } from '../src/socket-transfer.js';
import { SlotCountHandler } from './fixtures/handlers.ts';
import { silentStrategy } from './fixtures/silent-server.ts';

const moves = await socketsMoveToWorkers();
const { servers, sockets } = closeAfterEach<BaseServer>({ afterEach }, { closeTimeout: 1000 });

/** The slot count a worker of a `waitForFirstBytes` threading server got (`none`: no count). */
async function workerSlots(options: ThreadingOptions): Promise<string> {
  const strategy = silentStrategy({ maxWorkers: 1, maxRequestsPerWorker: 3, ...options });
  const server = await TCPServer.create({ host: '127.0.0.1', port: 0 }, SlotCountHandler, {
    strategy,
  });
  servers.push(server);
  server.serveForever().catch(() => {});
  const c = await LineClient.connect(server.serverAddress);
  sockets.push(c.socket);
  c.write('?\n');
  return (await c.rest()).trim();
}

it('socketsTransferable() says what a real move of a socket to a worker says', () => {
  expect(socketsTransferable()).toBe(moves);
});

it("with transfer: 'relay' nothing moves: the worker keeps no slot count", async () => {
  expect(await workerSlots({ transfer: 'relay' })).toBe('none');
});

it('with sockets moving where Node can (not Node 22), the worker counts maxRequestsPerWorker slots', async () => {
  expect(await workerSlots({})).toBe(moves ? '3' : 'none');
});
