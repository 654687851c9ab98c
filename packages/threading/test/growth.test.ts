/**
 * The worker pool's growth under a burst (issue 19, `pool-growth.ts` in core), on real worker
 * threads with one request per worker (`maxRequestsPerWorker: 1`, so requests queue for a
 * slot): a burst of short requests is served by the workers running, not by a start per
 * request that found them busy; a burst of long requests (handlers waiting for their client)
 * grows the pool up to `maxWorkers`, one worker per start-up waited.
 */
import { exchange, LineClient } from '@sockserve/conformance';
import type { ThreadingStrategy } from '@sockserve/threading';
import { describe, expect, it, vi } from 'vitest';
import { WaitForLineHandler } from './fixtures/handlers.ts';
import { threadedServers } from './fixtures/served.ts';

const serve = threadedServers();

describe('worker pool growth under a burst', () => {
  it('a burst of short requests is served without a worker per request that found the others busy', async () => {
    const server = await serve(WaitForLineHandler, {
      maxWorkers: 6,
      maxRequestsPerWorker: 1,
      idleTimeout: 60_000,
    });
    await Promise.all(
      Array.from({ length: 8 }, async (_, client) => {
        for (let i = 0; i < 6; i += 1) {
          const line = `c${client} r${i}\n`;
          expect((await exchange(server.serverAddress, line)).toString()).toBe(line);
        }
      }),
    );
    // One worker up front; growing needs a request that waited a whole start-up.
    expect((server.strategy as ThreadingStrategy).runners).toBeLessThanOrEqual(2);
    expect(server.stats.accepted).toBe(48);
  });

  it('a burst of long requests grows the pool up to maxWorkers', async () => {
    // The measured wait ('startup'): workers loading during a wait move the median, which
    // once left a request waiting for good (the wake-up used the wait it was armed with).
    const server = await serve(WaitForLineHandler, { maxWorkers: 4, maxRequestsPerWorker: 1 });
    const clients = await Promise.all(
      Array.from({ length: 4 }, () => LineClient.connect(server.serverAddress)),
    );
    // Each request holds its worker's one slot until its client writes: the others queue.
    await vi.waitFor(() => expect((server.strategy as ThreadingStrategy).active).toBe(4), {
      timeout: 20_000,
    });
    expect((server.strategy as ThreadingStrategy).runners).toBe(4);
    for (const [i, client] of clients.entries()) {
      client.write(`bye ${i}\n`);
      expect(await client.line()).toBe(`bye ${i}\n`);
      client.close();
    }
  });
});
