/**
 * `max` caps the runners ALIVE, and the pool is the one owner of that count (issue 19 review:
 * forking kept a second count of free children next to the pool's). A runner still finishing
 * its last request — a per-request child closing its connection, retired but not exited —
 * counts, as an unreaped child counts in Python: no request may start another runner past
 * `max` until it exited. Fake runners whose retirement lasts until the test ends it.
 */
import { describe, expect, it } from 'vitest';
import type { TerminateReason } from '../src/remote/index.js';
import { FAKE_INIT, FakeRunner, fakePool, IDLE_JOB } from './fixtures/fake-runner.js';

/** A runner told to retire stays alive (closing its connections) until `exit()` is called. */
class LingeringRunner extends FakeRunner {
  override async terminate(why: TerminateReason): Promise<void> {
    this.terminated.push(why);
    if (why !== 'retire') this.exit(`terminated (${why})`, true);
  }
}

/** Per-request runners (retired after one job) that linger, `max` alive at most. */
function perRequestPool(max: number) {
  return fakePool({ max, recycleAfter: 1 }, {}, FAKE_INIT, LingeringRunner);
}

describe('RunnerPool: max counts runners still finishing their last request', () => {
  it('max 1: no second runner while the first, done and retired, has not exited', async () => {
    const { pool, runners } = perRequestPool(1);
    await pool.start();
    const { id } = pool.assign(IDLE_JOB);
    pool.finished(id);
    expect(runners[0]?.terminated).toEqual(['retire']);
    expect(pool.size).toBe(1);
    // A second count of free runners (jobs in flight: 0 of 1) would say yes here.
    expect(pool.canAssign).toBe(false);
    const slot = pool.waitForSlot();
    runners[0]?.exit('exited with code 0', true);
    await slot;
    expect(pool.canAssign).toBe(true);
    pool.assign(IDLE_JOB);
    expect(runners).toHaveLength(2);
    expect(pool.size).toBe(1);
    await pool.close();
  });

  it('max 2: a busy runner and a retiring one fill it; an exit makes room for one start', async () => {
    const { pool, runners } = perRequestPool(2);
    await pool.start();
    const first = pool.assign(IDLE_JOB);
    pool.assign(IDLE_JOB); // a second runner starts for it
    expect(runners).toHaveLength(2);
    pool.finished(first.id); // the first retires, still alive
    expect(pool.size).toBe(2);
    expect(pool.canAssign).toBe(false);
    runners[0]?.exit('exited with code 0', true);
    expect(pool.canAssign).toBe(true);
    await pool.close();
  });
});
