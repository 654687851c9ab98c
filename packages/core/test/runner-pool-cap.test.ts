/**
 * `max` caps the runners ALIVE, and the pool is the one owner of that count (issue 19 review:
 * forking kept a second count of free children next to the pool's). A runner still finishing
 * its last request — a per-request child closing its connection, retired but not exited —
 * counts, as an unreaped child counts in Python: no request may start another runner past
 * `max` until it exited. Fake runners whose retirement lasts until the test ends it.
 */
import { describe, expect, it } from 'vitest';
import {
  type RunnerFactory,
  type RunnerInit,
  type RunnerJob,
  RunnerPool,
  type TerminateReason,
} from '../src/remote/index.js';
import { FakeRunner } from './fixtures/fake-runner.js';

const INIT: RunnerInit = {
  handler: { module: 'file:///nowhere.js', export: 'Handler' },
  server: { serverAddress: { family: 'unix', path: '/x' }, transportKind: 'datagram' },
  closeTimeout: 1000,
  requestTimeout: null,
};

/** A runner told to retire stays alive (closing its connections) until `exit()` is called. */
class LingeringRunner extends FakeRunner {
  override async terminate(why: TerminateReason): Promise<void> {
    this.terminated.push(why);
    if (why !== 'retire') this.exit(`terminated (${why})`, true);
  }
}

function perRequestPool(max: number) {
  const runners: LingeringRunner[] = [];
  const factory: RunnerFactory = (_init, index) => {
    const runner = new LingeringRunner(index);
    runners.push(runner);
    queueMicrotask(() => runner.send({ t: 'ready' }));
    return runner;
  };
  const pool = new RunnerPool(
    factory,
    INIT,
    { min: 0, max, maxPerRunner: 1, idleTimeout: 60_000, recycleAfter: 1 },
    { shutdown: async () => {}, crashed: () => {} },
  );
  return { pool, runners };
}

const job: RunnerJob = { receive: () => {}, fail: () => {} };

describe('RunnerPool: max counts runners still finishing their last request', () => {
  it('max 1: no second runner while the first, done and retired, has not exited', async () => {
    const { pool, runners } = perRequestPool(1);
    await pool.start();
    const { id } = pool.assign(job);
    pool.finished(id);
    expect(runners[0]?.terminated).toEqual(['retire']);
    expect(pool.size).toBe(1);
    // A second count of free runners (jobs in flight: 0 of 1) would say yes here.
    expect(pool.canAssign).toBe(false);
    const slot = pool.waitForSlot();
    runners[0]?.exit('exited with code 0', true);
    await slot;
    expect(pool.canAssign).toBe(true);
    pool.assign(job);
    expect(runners).toHaveLength(2);
    expect(pool.size).toBe(1);
    await pool.close();
  });

  it('max 2: a busy runner and a retiring one fill it; an exit makes room for one start', async () => {
    const { pool, runners } = perRequestPool(2);
    await pool.start();
    const first = pool.assign(job);
    pool.assign(job); // a second runner starts for it
    expect(runners).toHaveLength(2);
    pool.finished(first.id); // the first retires, still alive
    expect(pool.size).toBe(2);
    expect(pool.canAssign).toBe(false);
    runners[0]?.exit('exited with code 0', true);
    expect(pool.canAssign).toBe(true);
    await pool.close();
  });
});
