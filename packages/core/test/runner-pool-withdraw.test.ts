/**
 * `RunnerPool.withdraw`: a job assigned and, in the same tick, taken back (a silent socket that
 * could not move to its runner) leaves the runner as it was — its served count, its idle timer,
 * and a recycle (`recycleAfter`) the job's count had started. In-memory fake runners.
 */
import { expect, it } from 'vitest';
import { fakePool, IDLE_JOB } from './fixtures/fake-runner.js';

it('withdrawing the job that reached recycleAfter undoes the recycle: the runner keeps serving', async () => {
  const { pool: p, runners } = fakePool({ min: 1, max: 1, recycleAfter: 2 });
  await p.start();
  const first = p.assign(IDLE_JOB);
  p.finished(first.id);
  // The second job's count retires the runner; it never reached it, so that is undone.
  const withdrawn = p.assign(IDLE_JOB, true);
  p.withdraw(withdrawn.id);
  expect(runners[0]?.terminated).toEqual([]);
  expect(p.ready).toBe(1);
  // The next job goes to the same runner, and it is that one's count that recycles it.
  const next = p.assign(IDLE_JOB);
  expect(next.runner).toBe(runners[0]);
  expect(runners).toHaveLength(1);
  p.finished(next.id);
  expect(runners[0]?.terminated).toEqual(['retire']);
  await p.close();
});

it('withdrawing another job leaves a recycle already under way', async () => {
  const { pool: p, runners } = fakePool({ min: 1, max: 1, maxPerRunner: 2, recycleAfter: 1 });
  await p.start();
  const recycling = p.assign(IDLE_JOB);
  const withdrawn = p.assign(IDLE_JOB, true);
  p.withdraw(withdrawn.id);
  p.finished(recycling.id);
  expect(runners[0]?.terminated).toEqual(['retire']);
  await p.close();
});
