/**
 * `waitForFirstBytes` under threading (issue 20): a client that speaks reaches a worker with
 * its first bytes first and whole; a silent one is closed after the first-byte deadline. Where
 * Node moves sockets to workers the connection moves at once and waits in the worker (no
 * relay); where it can't (Node 22) it waits in the server's thread and its bytes are relayed.
 */
import { once } from 'node:events';
import { connect } from 'node:net';
import { LineClient } from '@sockserve/conformance';
import { TCPServer } from '@sockserve/tcp';
import { closeAfterEach, socketsMoveToWorkers } from '@sockserve/test-support';
import { ThreadingStrategy } from '@sockserve/threading';
import { afterEach, expect, it } from 'vitest';
import { EchoLinesHandler } from './fixtures/head-bytes.ts';

const { servers, sockets } = closeAfterEach<TCPServer>({ afterEach }, { closeTimeout: 1_000 });

const path = (await socketsMoveToWorkers()) ? 'socket' : 'relay';

it('a client that speaks gets its bytes whole in a worker; a silent one is closed at the deadline', async () => {
  const strategy = new ThreadingStrategy({ maxWorkers: 1 });
  strategy.waitForFirstBytes = true;
  // Long enough that a loaded machine's stalled event loop can't run the deadline's timer
  // before it reads the speaking client's bytes (timers run before I/O in a loop turn).
  strategy.handlerDefaults = { firstByteTimeout: 2_000 };
  const server = await TCPServer.create({ host: '127.0.0.1', port: 0 }, EchoLinesHandler, {
    strategy,
  });
  servers.push(server);
  server.serveForever().catch(() => {});
  const idle = connect({ host: '127.0.0.1', port: server.serverAddress.port });
  sockets.push(idle);
  idle.on('error', () => {});
  const client = await LineClient.connect(server.serverAddress);
  client.write('first\nsecond\n');
  expect(await client.line()).toBe(`via ${path}\n`);
  expect(await client.line()).toBe('echo first\n');
  expect(await client.line()).toBe('echo second\n');
  client.socket.end('third\n');
  expect(await client.rest()).toBe('echo third\n');
  // The silent one is ended by the deadline (in the worker, or here where sockets don't move).
  idle.resume();
  await once(idle, 'end');
  expect(strategy.active).toBe(0);
});
