/**
 * `RunnerPoolSizing`'s spare-start deferral when starting the spare throws in the deferral's
 * timer: the "wait ran out" flag is reset all the same, so the next spare start that may wait
 * (a loaded spare ready, a request in flight) waits again instead of starting at once.
 */

import { afterEach, expect, it, vi } from 'vitest';
import type { PooledRunner } from '../src/remote/pooled-runner.js';
import { RestartPolicy } from '../src/remote/restart-policy.js';
import { RunnerPoolSizing } from '../src/remote/runner-pool-sizing.js';

afterEach(() => {
  vi.useRealTimers();
});

const DEFERRAL = 1000;

/** A runner as the sizing sees it: loaded, alive, holding `jobs` requests. */
const runner = (jobs: number) =>
  ({ retiring: false, dead: false, loaded: true, jobs: { size: jobs } }) as unknown as PooledRunner;

it('a spawn that throws in the deferral timer leaves the next spare start deferred', () => {
  vi.useFakeTimers();
  // One request in flight, one loaded spare ready, two spares wanted: the start may wait.
  const runners = new Set([runner(1), runner(0)]);
  const spawned: string[] = [];
  let failNext = true;
  const sizing = new RunnerPoolSizing(
    {
      min: 0,
      max: 6,
      maxPerRunner: 1,
      idleTimeout: 60_000,
      recycleAfter: Infinity,
      minSpare: 2,
      spareStartDeferral: DEFERRAL,
    },
    runners,
    new RestartPolicy({ window: 0, resetAfter: 60_000 }),
    {
      spawn: () => {
        if (failNext) {
          failNext = false;
          throw new Error('spawn failed');
        }
        spawned.push('spawn');
      },
      retire: () => {},
      wake: () => {},
    },
  );
  try {
    sizing.keepSpares();
    expect(spawned).toEqual([]); // deferred
    // The bound runs out: the timer starts the spare, and the start throws.
    expect(() => vi.advanceTimersByTime(DEFERRAL)).toThrow('spawn failed');
    // Same state: the start waits again, it does not go ahead at once.
    sizing.keepSpares();
    expect(spawned).toEqual([]);
    expect(vi.getTimerCount()).toBe(1);
    // And the new bound still starts it when it runs out.
    vi.advanceTimersByTime(DEFERRAL);
    expect(spawned).toEqual(['spawn']);
  } finally {
    sizing.close();
  }
});
