/**
 * Property-based fuzzing (fast-check) of the stream handlers on a real TCP server: random and
 * truncated bytes, sent whole or cut short, never crash the server or hang it; a well-formed
 * client is still answered after every run.
 */
import { connect } from 'node:net';
import { exchange, UpperLinesHandler } from '@sockserve/conformance';
import { AsyncStrategy } from '@sockserve/core';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TCPServer } from '../src/index.js';

let server: TCPServer;
beforeAll(async () => {
  server = await TCPServer.create({ host: '127.0.0.1', port: 0 }, UpperLinesHandler, {
    strategy: new AsyncStrategy(),
    requestTimeout: 5000,
  });
  // Over-long lines among the inputs are errors of their own connection only.
  server.handleError = () => {};
  server.serveForever().catch(() => {});
});
afterAll(async () => {
  await server.shutdown();
  await server.serverClose({ timeout: 1000 });
});

/** Sends `data` then either half-closes (a complete request) or resets mid-stream (truncated). */
function send(data: Uint8Array, truncate: boolean): Promise<void> {
  return new Promise((resolve) => {
    const { host, port } = server.serverAddress;
    const socket = connect({ host, port });
    socket.on('error', () => resolve());
    socket.on('close', () => resolve());
    socket.on('data', () => {});
    socket.once('connect', () => {
      if (truncate) socket.write(data, () => socket.resetAndDestroy());
      else socket.end(data);
    });
  });
}

it('random and truncated bytes never crash or hang the stream server', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.uint8Array({ maxLength: 200_000 }),
      fc.boolean(),
      async (data, truncate) => {
        await send(data, truncate);
        expect((await exchange(server.serverAddress, 'still alive\n')).toString()).toBe(
          'STILL ALIVE\n',
        );
      },
    ),
    { numRuns: 60 },
  );
});
