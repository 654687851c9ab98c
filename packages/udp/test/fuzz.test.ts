/**
 * Property-based fuzzing (fast-check) of the datagram handler on a real UDP server: random
 * datagrams of any size up to 64 KiB never crash the server; well-formed datagrams are still
 * answered, oversized ones are counted.
 */
import { DatagramEchoHandler, udpClient } from '@sockserve/conformance';
import { AsyncStrategy } from '@sockserve/core';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { UDPServer } from '../src/index.js';

let server: UDPServer;
beforeAll(async () => {
  server = await UDPServer.create({ host: '127.0.0.1', port: 0 }, DatagramEchoHandler, {
    strategy: new AsyncStrategy(),
  });
  server.handleError = () => {};
  server.serveForever().catch(() => {});
});
afterAll(async () => {
  await server.shutdown();
  await server.serverClose();
});

it('random datagrams never crash the datagram server', async () => {
  const client = await udpClient(server.serverAddress);
  try {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 65_000 }), async (data) => {
        await client.send(Buffer.from(data));
        if (data.length <= 8192) await client.receive();
        await client.send('ok\n');
        expect((await client.receive()).toString()).toBe('ok\n');
      }),
      { numRuns: 100 },
    );
  } finally {
    await client.close();
  }
  expect(server.stats.refused).toBe(0);
});
