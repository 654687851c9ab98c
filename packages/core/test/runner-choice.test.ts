/**
 * Which runner takes a request (`runner-choice.ts`), against fake runners: a loaded runner
 * with room before one still starting (issue 20: a request bound to a starting worker waited
 * 170 ms for its handler to load), and silent connections waiting for their first bytes on a
 * runner (`assign(job, true)`) hold none of its slots until `spoke(id)`.
 */
import { describe, expect, it } from 'vitest';
import { WaitingConnectionLostError } from '../src/remote/index.js';
import { fakePool, IDLE_JOB } from './fixtures/fake-runner.js';

describe('chooseRunner', () => {
  it('gives a request to a loaded runner with room, not to one still starting with fewer jobs', async () => {
    const { pool, runners } = fakePool({ min: 1, max: 2, maxPerRunner: 4, preferLoaded: true });
    await pool.start();
    const first = pool.assign(IDLE_JOB);
    expect(first.runner).toBe(runners[0]);
    // Every runner busy, below max: a second runner starts for this one.
    const second = pool.assign(IDLE_JOB);
    expect(runners).toHaveLength(2);
    expect(second.runner).toBe(runners[1]);
    pool.finished(second.id); // the starting runner now has no job, the loaded one has one
    expect(pool.ready).toBe(1);
    const third = pool.assign(IDLE_JOB);
    expect(third.runner).toBe(runners[0]);
    expect(runners).toHaveLength(2); // no third start: the pool is at max
    // Once loaded, the idle runner takes the next one (least loaded).
    await Promise.resolve();
    expect(pool.ready).toBe(2);
    expect(pool.assign(IDLE_JOB).runner).toBe(runners[1]);
  });

  it('without preferLoaded (child processes) the starting runner with fewer jobs takes it', async () => {
    const { pool, runners } = fakePool({ min: 1, max: 2, maxPerRunner: 4 });
    await pool.start();
    pool.assign(IDLE_JOB);
    pool.finished(pool.assign(IDLE_JOB).id);
    expect(pool.assign(IDLE_JOB).runner).toBe(runners[1]);
  });

  it('a starting runner takes a request when no loaded one has room', async () => {
    const { pool, runners } = fakePool({ min: 1, max: 2, maxPerRunner: 1 });
    await pool.start();
    pool.assign(IDLE_JOB);
    const next = pool.assign(IDLE_JOB);
    expect(next.runner).toBe(runners[1]);
    expect(pool.ready).toBe(1);
  });
});

describe('silent jobs (waiting for their first bytes on a runner)', () => {
  it('hold no slot until they speak, and keep their runner from retiring', async () => {
    const { pool, runners } = fakePool({ min: 0, max: 1, maxPerRunner: 1, idleTimeout: 1 });
    await pool.start();
    const silent = [1, 2, 3].map(() => pool.assign(IDLE_JOB, true));
    expect(silent.every((s) => s.runner === runners[0])).toBe(true);
    expect(pool.active).toBe(0);
    expect(pool.canAssign).toBe(true);
    // A speaking request still finds the runner's one slot free.
    const speaking = pool.assign(IDLE_JOB);
    expect(speaking.runner).toBe(runners[0]);
    expect(pool.active).toBe(1);
    expect(pool.canAssign).toBe(false);
    const [a, b] = silent;
    if (a === undefined || b === undefined) throw new Error('unreachable');
    pool.spoke(a.id);
    expect(pool.active).toBe(2); // it started in the worker: it takes a slot from now on
    pool.finished(speaking.id);
    pool.finished(a.id);
    expect(pool.active).toBe(0);
    // Silent ones still there: the runner is kept past its idle timeout.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(runners[0]?.terminated).toEqual([]);
    pool.finished(b.id);
    pool.finished(silent[2]?.id ?? -1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(runners[0]?.terminated).toEqual(['retire']);
  });

  it('start a runner when every runner runs requests and the pool is below max', async () => {
    const { pool, runners } = fakePool({ min: 1, max: 2, maxPerRunner: 4 });
    await pool.start();
    pool.assign(IDLE_JOB);
    expect(pool.assign(IDLE_JOB, true).runner).toBe(runners[1]);
    expect(runners).toHaveLength(2);
    // At max, a busy runner holds it (fewest connections).
    expect(pool.assign(IDLE_JOB, true).runner).toBe(runners[1]);
  });

  it('a crash is not blamed on their clients (no handler ran for them); they end unserved', async () => {
    const { pool, runners } = fakePool({ min: 1, max: 1, maxPerRunner: 1 });
    await pool.start();
    const failures: Error[] = [];
    const client = { family: 'IPv4', host: '127.0.0.9', port: 1 } as const;
    pool.assign({ receive: () => {}, fail: (e) => failures.push(e), clientAddress: client }, true);
    runners[0]?.exit('crashed', false);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toBeInstanceOf(WaitingConnectionLostError);
    expect((failures[0] as WaitingConnectionLostError).code).toBe(
      'ERR_SOCKSERVE_WAITING_CONNECTION_LOST',
    );
    expect(pool.policy.stats.crashes).toBe(1);
    expect(pool.policy.stats.attributed).toBe(0);
  });

  it('spread over the serving runners by the connections each holds', async () => {
    const { pool, runners } = fakePool({ min: 2, max: 2, maxPerRunner: 1 });
    await pool.start();
    const held = [1, 2, 3, 4].map(() => pool.assign(IDLE_JOB, true).runner);
    expect(held.filter((r) => r === runners[0])).toHaveLength(2);
    expect(held.filter((r) => r === runners[1])).toHaveLength(2);
  });

  it('go to a runner with a free slot before one whose slots are all taken, though it holds more', async () => {
    const { pool, runners } = fakePool({ min: 2, max: 2, maxPerRunner: 2 });
    await pool.start();
    pool.assign(IDLE_JOB); // runner 0: one running
    pool.assign(IDLE_JOB); // runner 1: one running
    pool.assign(IDLE_JOB); // runner 0: full
    expect(pool.assign(IDLE_JOB, true).runner).toBe(runners[1]); // runner 1 holds 2 now
    // Both hold 2 connections; only runner 1 could start this one's handler when it speaks.
    expect(pool.assign(IDLE_JOB, true).runner).toBe(runners[1]);
  });
});
