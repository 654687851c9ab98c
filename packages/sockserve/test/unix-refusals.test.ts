/**
 * Refusing, dropping and closing on a Unix stream server never throw, under every strategy
 * (issue 12, item 1). Node's `resetAndDestroy()` exists for TCP only: on a Unix socket it
 * threw from the accept callback, which killed the process on the first refused connection,
 * and made `serverClose()` reject while a connection was queued.
 */
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { EchoLineHandler, LineClient } from '@sockserve/conformance';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  AsyncStrategy,
  type ConcurrencyStrategy,
  ForkingStrategy,
  SequentialStrategy,
  ThreadingStrategy,
  UnixStreamServer,
  type UnixStreamServerOptions,
} from '../src/index.js';
import { removeTempDirs, Teardown, tempDir } from './helpers.js';

const teardown = new Teardown();
afterEach(async () => {
  await teardown.run();
  removeTempDirs();
});

// Each strategy runs one request at a time, so a held request keeps the next ones waiting.
const strategies: Array<[string, () => ConcurrencyStrategy<unknown>]> = [
  ['sequential', () => new SequentialStrategy()],
  ['async', () => new AsyncStrategy({ maxInFlight: 1 })],
  ['threading', () => new ThreadingStrategy({ maxWorkers: 1, maxRequestsPerWorker: 1 })],
  ['forking', () => new ForkingStrategy({ maxChildren: 1 })],
];

async function serving(
  strategy: ConcurrencyStrategy<unknown>,
  options: UnixStreamServerOptions,
): Promise<{ server: UnixStreamServer; loop: Promise<void> }> {
  const server = await UnixStreamServer.create(join(tempDir(), 'r.sock'), EchoLineHandler, {
    ...options,
    strategy,
  });
  const loop = server.serveForever();
  teardown.add(async () => {
    await server.shutdown();
    await loop.catch(() => {});
    await server.serverClose();
  });
  return { server, loop };
}

/**
 * Connects clients that send nothing (the echo handler waits for their line) until the server
 * refuses one; returns the held clients. The refused one must see its connection closed.
 */
async function fillUntilRefused(server: UnixStreamServer): Promise<LineClient[]> {
  const held: LineClient[] = [];
  for (let n = 0; n < 8; n += 1) {
    const { accepted, refused } = server.stats;
    const client = await LineClient.connect(server.serverAddress);
    teardown.add(() => client.socket.destroy());
    await vi.waitFor(
      () => expect(server.stats.accepted + server.stats.refused).toBe(accepted + refused + 1),
      { timeout: 10_000 },
    );
    if (server.stats.refused > refused) {
      if (!client.socket.closed) await once(client.socket, 'close');
      expect(await client.line()).toBe('');
      return held;
    }
    held.push(client);
  }
  throw new Error('the server never refused a connection');
}

/** Every held client still gets its echo: nothing in flight was lost. */
async function expectServed(held: LineClient[]): Promise<void> {
  for (const [n, client] of held.entries()) {
    client.socket.write(`held ${n}\n`);
    expect(await client.line()).toBe(`held ${n}\n`);
  }
}

describe.each(strategies)('UnixStreamServer (%s)', (_name, strategy) => {
  it('refuses the connection past maxConnections and keeps serving the others', async () => {
    const { server } = await serving(strategy(), { maxConnections: 2 });
    const held = await fillUntilRefused(server);
    expect(held).toHaveLength(2);
    expect(server.stats.refused).toBe(1);
    await expectServed(held);
    expect(existsSync(server.path)).toBe(true);
  });

  it('refuses the connection past a full queue and keeps serving the others', async () => {
    const { server } = await serving(strategy(), { requestQueueSize: 1 });
    const held = await fillUntilRefused(server);
    expect(held.length).toBeGreaterThanOrEqual(2);
    expect(server.stats.refused).toBe(1);
    await expectServed(held);
  });

  it('serverClose completes with connections still queued', async () => {
    const { server, loop } = await serving(strategy(), {});
    const clients: LineClient[] = [];
    for (let n = 0; n < 3; n += 1) {
      const client = await LineClient.connect(server.serverAddress);
      teardown.add(() => client.socket.destroy());
      clients.push(client);
      await vi.waitFor(() => expect(server.stats.accepted).toBe(n + 1), { timeout: 10_000 });
    }
    const closing = (async () => {
      await server.shutdown();
      await loop;
      await server.serverClose();
    })();
    // The first is being handled: let it finish so shutdown can stop the loop.
    clients[0]?.socket.write('first\n');
    await closing;
    expect(existsSync(server.path)).toBe(false);
    for (const client of clients) if (!client.socket.closed) await once(client.socket, 'close');
  });
});
