/**
 * `RunnerPool.adopt()`: a job a runner took by itself (a forking child that accepted a
 * connection from the shared listening socket, issue 19) is counted on THAT runner as an
 * assigned one is — its messages reach the job, its slot frees when it finished, a per-request
 * runner retires after it and a spare starts to replace it — and a runner the pool doesn't hold
 * adopts nothing.
 */
import { describe, expect, it } from 'vitest';
import type { FromRunner } from '../src/remote/index.js';
import { FAKE_INIT, FakeRunner, fakePool, IDLE_JOB } from './fixtures/fake-runner.js';

/** Per-request runners (retired after one job), up to four, two idle spares kept. */
function sparePool() {
  return fakePool(
    { max: 4, recycleAfter: 1, minSpare: 2 },
    {},
    { ...FAKE_INIT, server: { ...FAKE_INIT.server, transportKind: 'stream' } },
  );
}

describe('RunnerPool.adopt', () => {
  it('counts the job on the runner that took it; its done reaches the job; it retires and a spare replaces it', async () => {
    const { pool, runners } = sparePool();
    await pool.start();
    expect(runners).toHaveLength(2);
    const taker = runners[1] as FakeRunner;
    const received: FromRunner[] = [];
    const id = pool.adopt(taker, { receive: (m) => received.push(m), fail: () => {} });
    expect(id).toBeTypeOf('number');
    expect(pool.active).toBe(1);
    await new Promise<void>((resolve) => queueMicrotask(resolve));
    // The keeper tops the spares up: two idle ones besides the taker.
    expect(runners).toHaveLength(3);
    taker.send({ t: 'done', id: id as number, error: undefined });
    expect(received).toEqual([{ t: 'done', id, error: undefined }]);
    pool.finished(id as number);
    expect(pool.active).toBe(0);
    expect(taker.terminated).toEqual(['retire']);
    expect(runners[0]?.terminated).toEqual([]);
    await pool.close();
  });

  it('a runner the pool does not hold adopts nothing', async () => {
    const { pool } = sparePool();
    await pool.start();
    const stranger = new FakeRunner(99);
    expect(pool.adopt(stranger, IDLE_JOB)).toBeUndefined();
    expect(pool.active).toBe(0);
    await pool.close();
  });
});
