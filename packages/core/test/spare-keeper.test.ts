/**
 * Spare runners ahead of demand (Perl PreFork's min/max_spare_servers): the keeper's decisions,
 * then the pool with in-memory fake runners — topped up as requests take spares, never past
 * `max`, trimmed above `maxSpare`, not idled out below `minSpare`, and a request handed to a
 * runner that is ready rather than one still starting.
 */
import { describe, expect, it, vi } from 'vitest';
import {
  initialRunners,
  mayIdleOut,
  RunnerPool,
  type RunnerPoolOptions,
  readyWithRoom,
  spareAdjustment,
} from '../src/remote/index.js';
import { FAKE_INIT, FakeRunner, fakePool, IDLE_JOB } from './fixtures/fake-runner.js';

const LOAD_ERROR = { name: 'Error', message: 'nope', stack: undefined, code: undefined, props: {} };

function pool(options: Partial<RunnerPoolOptions>) {
  return fakePool({ max: 4, ...options });
}

/** Lets fake runners that were just started say `ready` (they do on a microtask). */
const loaded = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('spareAdjustment', () => {
  const bounds = { min: 0, max: 4, minSpare: 2, maxSpare: 3 };

  it('starts the missing spares, within the hard cap that counts every runner alive', () => {
    expect(spareAdjustment({ spare: 0, serving: 1, alive: 1 }, bounds)).toEqual({
      start: 2,
      retire: 0,
    });
    expect(spareAdjustment({ spare: 1, serving: 3, alive: 4 }, bounds)).toEqual({
      start: 0,
      retire: 0,
    });
    expect(spareAdjustment({ spare: 0, serving: 2, alive: 3 }, bounds)).toEqual({
      start: 1,
      retire: 0,
    });
  });

  it('retires spares above maxSpare, never below min', () => {
    expect(spareAdjustment({ spare: 4, serving: 4, alive: 4 }, bounds)).toEqual({
      start: 0,
      retire: 1,
    });
    expect(spareAdjustment({ spare: 4, serving: 4, alive: 4 }, { ...bounds, min: 4 })).toEqual({
      start: 0,
      retire: 0,
    });
  });

  it('an idle runner idles out only above min and above minSpare; a pool starts at least one', () => {
    expect(mayIdleOut({ spare: 2, serving: 3, alive: 3 }, bounds)).toBe(false);
    expect(mayIdleOut({ spare: 3, serving: 3, alive: 3 }, bounds)).toBe(true);
    expect(initialRunners({ min: 0, max: 4, minSpare: 0, maxSpare: Infinity })).toBe(1);
    expect(initialRunners({ min: 1, max: 2, minSpare: 3, maxSpare: Infinity })).toBe(2);
  });
});

/** assign() starts the next spare once its caller handed the job over: a microtask later. */
const handedOver = () => Promise.resolve();

describe('readyWithRoom', () => {
  const view = (jobs: number, waiting: number) => ({
    retiring: false,
    dead: false,
    loaded: true,
    jobs: { size: jobs },
    waiting: { size: waiting },
  });

  it('silent connections waiting for first bytes take no slot (issue 20: a full count of them must not stop accepts)', () => {
    expect(readyWithRoom([view(4, 4)], 2)).toBe(true);
    expect(readyWithRoom([view(4, 2)], 2)).toBe(false);
    expect(readyWithRoom([view(1, 0)], 2)).toBe(true);
  });
});

describe('RunnerPool with spares', () => {
  it('per-request: each job takes a started spare, and a new spare starts as it is taken', async () => {
    const { pool: p, runners } = pool({ minSpare: 1, recycleAfter: 1 });
    await p.start();
    expect(runners).toHaveLength(1);
    const first = p.assign(IDLE_JOB);
    expect(first.runner).toBe(runners[0]);
    // Not before the job is handed over: a start is a synchronous fork() in a real pool.
    expect(runners).toHaveLength(1);
    await handedOver();
    expect(runners).toHaveLength(2); // the spare for the next job, started now
    await loaded();
    const second = p.assign(IDLE_JOB);
    expect(second.runner).toBe(runners[1]);
    await handedOver();
    expect(runners).toHaveLength(3);
    p.finished(first.id);
    expect(runners[0]?.terminated).toEqual(['retire']);
    expect(runners[2]?.terminated).toEqual([]);
  });

  it('never past max: spares wait for a runner to end', async () => {
    const { pool: p, runners } = pool({ minSpare: 2, max: 3, recycleAfter: 1 });
    await p.start();
    expect(runners).toHaveLength(2);
    const a = p.assign(IDLE_JOB);
    await handedOver();
    expect(runners).toHaveLength(3);
    p.assign(IDLE_JOB);
    await handedOver();
    expect(runners).toHaveLength(3);
    p.finished(a.id); // runner 0 retires and exits: room for one more spare
    expect(runners).toHaveLength(4);
    expect(p.size).toBe(3);
  });

  it('a job goes to a spare that is ready, not to one still starting', async () => {
    const { pool: p, runners } = pool({ minSpare: 1, max: 4 });
    await p.start();
    const a = p.assign(IDLE_JOB); // runner 0; runner 1 starts
    p.finished(a.id); // runner 0 is ready and idle again, runner 1 still loading
    expect(p.assign(IDLE_JOB).runner).toBe(runners[0]);
  });

  it('spares above maxSpare retire at once, the oldest first', async () => {
    const { pool: p, runners } = pool({ minSpare: 1, maxSpare: 1, max: 3 });
    await p.start();
    const a = p.assign(IDLE_JOB);
    await loaded();
    const b = p.assign(IDLE_JOB);
    await handedOver();
    expect(runners).toHaveLength(3);
    // Runner 2 is the spare started when b took runner 1; a's runner is one too many.
    p.finished(a.id);
    expect(runners.map((r) => r.terminated)).toEqual([['retire'], [], []]);
    p.finished(b.id);
    expect(runners.map((r) => r.terminated)).toEqual([['retire'], ['retire'], []]);
    expect(p.size).toBe(1);
  });

  it('idleTimeout does not retire the spares minSpare keeps', async () => {
    vi.useFakeTimers();
    try {
      const { pool: p, runners } = pool({ minSpare: 1, idleTimeout: 100 });
      await p.start();
      const a = p.assign(IDLE_JOB);
      await vi.advanceTimersByTimeAsync(0);
      p.finished(a.id);
      vi.advanceTimersByTime(100);
      // Two idle, one above minSpare: exactly one idles out.
      expect(runners.flatMap((r) => r.terminated)).toEqual(['retire']);
      expect(p.size).toBe(1);
      vi.advanceTimersByTime(1000);
      expect(p.size).toBe(1); // the last spare stays
      expect(runners.map((r) => r.alive)).toEqual([false, true]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('spares that cannot load stop the keeper: no loop of start-ups, requests go to runners started for them', async () => {
    let loads = true;
    const runners: FakeRunner[] = [];
    const p = new RunnerPool(
      (_init, index) => {
        const runner = new FakeRunner(index);
        runners.push(runner);
        const answer = loads;
        queueMicrotask(() =>
          runner.send(answer ? { t: 'ready' } : { t: 'init-error', error: LOAD_ERROR }),
        );
        return runner;
      },
      FAKE_INIT,
      { min: 0, max: 4, maxPerRunner: 1, idleTimeout: 60_000, recycleAfter: 1, minSpare: 1 },
      { shutdown: async () => {}, crashed: () => {} },
    );
    await p.start();
    loads = false;
    p.assign(IDLE_JOB); // runner 0 taken; spare runner 1 starts and fails to load
    await loaded();
    runners[1]?.exit('exited with code 1', true);
    expect(runners).toHaveLength(2);
    // No runner is ready, yet a slot is given: the request is bound to a new runner, as before.
    await p.waitForSlot();
    const next = p.assign(IDLE_JOB);
    expect(next.runner).toBe(runners[2]);
    expect(runners).toHaveLength(3);
    loads = true;
    await p.close();
  });

  it('a closing pool starts no spare', async () => {
    const { pool: p, runners } = pool({ minSpare: 1, recycleAfter: 1 });
    await p.start();
    const a = p.assign(IDLE_JOB);
    await handedOver();
    expect(runners).toHaveLength(2);
    await p.close();
    p.finished(a.id);
    expect(runners).toHaveLength(2);
    expect(runners.map((r) => r.alive)).toEqual([false, false]);
  });
});
