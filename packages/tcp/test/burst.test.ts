/**
 * A burst far past `requestQueueSize` (issue 12, item 7): the kernel's listen backlog is the
 * OS maximum, so every connection reaches sockserve, which keeps `requestQueueSize` waiting
 * and resets the rest at once. With the backlog set to `requestQueueSize` (as before), the
 * kernel's queue overflowed first and the excess clients hung in SYN-ACK retries for seconds.
 */
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { EchoLineHandler, LineClient } from '@sockserve/conformance';
import { closeAfterEach } from '@sockserve/test-support';
import { afterEach, expect, it, vi } from 'vitest';
import { TCPServer } from '../src/index.js';

const { servers, sockets } = closeAfterEach<TCPServer>({ afterEach }, { closeTimeout: 100 });

/** One burst client: when it connected and when the server closed it (if it did). */
interface Outcome {
  connectedAt: number | undefined;
  closedAt: number | undefined;
  socket: Socket;
}

it('1,000 connects with requestQueueSize 16: 17 are held, every other one is reset at once', async () => {
  // Sequential: one request in the handler (the echo waits for a line), 16 waiting.
  const server = await TCPServer.create({ host: '127.0.0.1', port: 0 }, EchoLineHandler, {
    requestQueueSize: 16,
  });
  servers.push(server);
  server.serveForever().catch(() => {});
  const { port } = server.serverAddress;
  const total = 1000;
  const outcomes: Outcome[] = Array.from({ length: total }, () => {
    const socket = connect({ host: '127.0.0.1', port });
    sockets.push(socket);
    const outcome: Outcome = { connectedAt: undefined, closedAt: undefined, socket };
    socket.on('error', () => {});
    socket.once('connect', () => {
      outcome.connectedAt = performance.now();
    });
    socket.once('close', () => {
      outcome.closedAt = performance.now();
    });
    return outcome;
  });
  // Every client is accounted for quickly: no connection is left in a kernel queue.
  await vi.waitFor(() => expect(server.stats.accepted + server.stats.refused).toBe(total), {
    timeout: 5000,
    interval: 20,
  });
  expect(server.stats).toMatchObject({ accepted: 17, refused: total - 17 });
  await vi.waitFor(
    () => expect(outcomes.filter((o) => o.closedAt !== undefined)).toHaveLength(total - 17),
    { timeout: 5000, interval: 20 },
  );
  const delays = outcomes
    .filter((o) => o.closedAt !== undefined && o.connectedAt !== undefined)
    .map((o) => (o.closedAt as number) - (o.connectedAt as number))
    .sort((a, b) => a - b);
  console.log(
    `burst: ${total - 17} resets; connect→reset median ${delays[delays.length >> 1]?.toFixed(1)} ms, p99 ${delays[Math.floor(delays.length * 0.99)]?.toFixed(1)} ms, max ${delays.at(-1)?.toFixed(1)} ms`,
  );
  // The held ones are served, in order, once they speak.
  const held = outcomes.filter((o) => o.closedAt === undefined);
  expect(held).toHaveLength(17);
  for (const [n, { socket }] of held.entries()) {
    const client = new LineClient(socket);
    socket.write(`held ${n}\n`);
    expect(await client.line()).toBe(`held ${n}\n`);
  }
});
