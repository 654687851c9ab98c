/**
 * Where a silent connection (issue 20, `waitForFirstBytes`) waits when every worker runs
 * requests and the pool is at `maxWorkers`: on a worker with a free handler slot, even one
 * holding more connections, not on one whose slots are all taken — there, once it spoke, it
 * would wait for a slot while the other worker could serve it at once.
 */
import type { BaseServer } from '@sockserve/core';
import { closeAfterEach, socketsMoveToWorkers } from '@sockserve/test-support';
import { afterEach, expect, it, vi } from 'vitest';
import { lineClient, serveSilentTCP } from './fixtures/silent-server.ts';

const moves = await socketsMoveToWorkers();
const open = closeAfterEach<BaseServer>({ afterEach }, { closeTimeout: 1000 });

it.skipIf(!moves)(
  'a silent connection waits on a worker with a free slot, not on a full one holding as many',
  async () => {
    const { server, strategy } = await serveSilentTCP(open, {
      minWorkers: 2,
      maxWorkers: 2,
      maxRequestsPerWorker: 2,
    });
    const client = () => lineClient(open, server);
    // Three running requests: worker 1 takes the first (every worker idle: the first), worker 2
    // the second (the idle one), worker 1 the third (both hold one: the first) — then full.
    const running = [];
    for (const [n, expected] of [
      [1, 'in 1\n'],
      [2, 'in 1\n'],
      [3, 'in 2\n'],
    ] as const) {
      const c = await client();
      c.write('hi\n');
      expect(await c.line()).toBe(expected);
      // The pool heard it spoke before the next connection is placed.
      await vi.waitFor(() => expect(strategy.active).toBe(n), { timeout: 20_000 });
      running.push(c);
    }
    await client(); // silent, on worker 2 (it holds fewer): both workers hold two now
    const placed = await client(); // on worker 2, which has a free slot — not on worker 1
    let answered = false;
    const answer = placed.rest().then((text) => {
      answered = true;
      return text.trim();
    });
    placed.write('who\n');
    // Answered at once from worker 2; on worker 1 it would wait, counted once it spoke.
    await vi.waitFor(() => expect(answered || strategy.active === 4).toBe(true), {
      timeout: 20_000,
    });
    // The third request ends: had `placed` waited on worker 1, it would start there now.
    running[2]?.socket.end('bye\n');
    expect(await answer).toBe('worker 2');
  },
);
