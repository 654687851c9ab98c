/**
 * Spare starts that wait for the requests in flight (`spareStartDeferral`, issue 19): while a
 * loaded spare is ready for the next request, a new spare's start-up waits until the requests
 * in flight finished — or the bound ran out — so it doesn't compete with them for the CPU. The
 * last ready spare taken, or no request in flight, and spares start at once as before.
 */
import { describe, expect, it, vi } from 'vitest';
import { mayDeferStart, type RunnerPoolOptions } from '../src/remote/index.js';
import { fakePool, IDLE_JOB } from './fixtures/fake-runner.js';

/** A per-request pool (a runner per job) keeping two spares. */
function pool(options: Partial<RunnerPoolOptions> = {}) {
  return fakePool({ max: 6, recycleAfter: 1, minSpare: 2, spareStartDeferral: 60_000, ...options });
}

/** assign() asks for spares a microtask later, once its caller handed the job over. */
const handedOver = () => Promise.resolve();

const view = (jobs: number, loaded = true, retiring = false) => ({
  retiring,
  dead: false,
  loaded,
  jobs: { size: jobs },
});

describe('mayDeferStart', () => {
  it('only with a loaded spare ready and a request in flight', () => {
    expect(mayDeferStart([view(1, true, true), view(0)])).toBe(true);
    expect(mayDeferStart([view(0), view(0)])).toBe(false); // nothing in flight
    expect(mayDeferStart([view(1), view(0, false)])).toBe(false); // the spare is still loading
    expect(mayDeferStart([view(1), view(0, true, true)])).toBe(false); // it is retiring
    expect(mayDeferStart([])).toBe(false);
  });
});

describe('RunnerPool with spareStartDeferral', () => {
  it('a spare taken while another is ready: the replacement starts once the request finished', async () => {
    const { pool: p, runners } = pool();
    await p.start();
    expect(runners).toHaveLength(2);
    const a = p.assign(IDLE_JOB);
    await handedOver();
    expect(runners).toHaveLength(2); // runner 1 is ready: no start-up next to the request
    p.finished(a.id); // runner 0 retires and exits: now the spare starts
    expect(runners.map((r) => r.alive)).toEqual([false, true, true]);
    await p.close();
  });

  it('the last ready spare taken: spares start at once, whatever is in flight', async () => {
    const { pool: p, runners } = pool();
    await p.start();
    p.assign(IDLE_JOB);
    p.assign(IDLE_JOB);
    await handedOver();
    expect(runners).toHaveLength(4);
    await p.close();
  });

  it('a request that outlasts the bound does not hold the spare back', async () => {
    vi.useFakeTimers();
    try {
      const { pool: p, runners } = pool({ spareStartDeferral: 250 });
      await p.start();
      p.assign(IDLE_JOB);
      await vi.advanceTimersByTimeAsync(249);
      expect(runners).toHaveLength(2);
      await vi.advanceTimersByTimeAsync(1);
      expect(runners).toHaveLength(3); // started with the request still in flight
      await vi.advanceTimersByTimeAsync(1000);
      expect(runners).toHaveLength(3); // one start for one taken spare
      await p.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('0 (the default): the replacement starts at the hand-over', async () => {
    const { pool: p, runners } = pool({ spareStartDeferral: 0 });
    await p.start();
    p.assign(IDLE_JOB);
    await handedOver();
    expect(runners).toHaveLength(3);
    await p.close();
  });

  it('a pool closed while a start waits starts nothing', async () => {
    vi.useFakeTimers();
    try {
      const { pool: p, runners } = pool({ spareStartDeferral: 250 });
      await p.start();
      p.assign(IDLE_JOB);
      await vi.advanceTimersByTimeAsync(0);
      await p.close();
      await vi.advanceTimersByTimeAsync(1000);
      expect(runners).toHaveLength(2);
    } finally {
      vi.useRealTimers();
    }
  });
});
