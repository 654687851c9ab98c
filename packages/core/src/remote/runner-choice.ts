/**
 * Which runner of a `RunnerPool` takes the next request, and whether one can take it now:
 * the least-loaded serving runner, bounded by `maxPerRunner`, with the pool's spares and the
 * crash policy's delayed starts taken into account (see `runner-pool.ts`).
 */
import type { PooledRunner } from './pooled-runner.js';
import type { RestartPolicy } from './restart-policy.js';
import type { RunnerPoolOptions } from './runner-pool-options.js';
import { readyWithRoom } from './spare-keeper.js';

/** Requests in flight across `runners`. */
export function activeJobs(runners: Iterable<PooledRunner>): number {
  let n = 0;
  for (const r of runners) n += r.jobs.size;
  return n;
}

/** Runners neither retiring nor announced dead. */
export function servingRunners(runners: Iterable<PooledRunner>): number {
  let n = 0;
  for (const r of runners) if (!r.retiring && !r.dead) n += 1;
  return n;
}

/**
 * A request can be taken now: a serving runner has room for it (one that loaded, when spares
 * are kept), or a runner may start for it — fewer than `max` alive, counting runners still
 * finishing their last request (the hard cap; an unreaped child counts in Python too), and no
 * start the crash policy delays. The pool is the one owner of this count: strategies don't
 * keep their own (issue 19 review: forking once counted free children a second time).
 */
export function hasSlot(
  runners: ReadonlySet<PooledRunner>,
  options: RunnerPoolOptions,
  policy: RestartPolicy,
  loadFailing: boolean,
): boolean {
  const { minSpare = 0, maxPerRunner } = options;
  if (activeJobs(runners) >= options.max * maxPerRunner) return false;
  // With spares kept, a request waits for the first runner ready to take it — a busy one
  // that frees up or a spare that finished loading — instead of being bound to one still
  // starting: short requests then never wait for a start-up the pool is doing anyway.
  if (minSpare > 0 && !loadFailing) return readyWithRoom(runners, maxPerRunner);
  for (const r of runners) if (!r.retiring && !r.dead && r.jobs.size < maxPerRunner) return true;
  // While the crash policy delays the next start, only serving runners' room is offered.
  return policy.startDelay() === 0 && runners.size < options.max;
}

/**
 * The runner to take the next request: the least-loaded serving one, or undefined when a new
 * runner should start for it (every runner busy and the pool below `max`, unless the crash
 * policy delays that start: then the busy runner takes it).
 */
export function chooseRunner(
  runners: ReadonlySet<PooledRunner>,
  options: RunnerPoolOptions,
  policy: RestartPolicy,
): PooledRunner | undefined {
  let best: PooledRunner | undefined;
  for (const r of runners) {
    if (r.retiring || r.dead) continue;
    if (r.jobs.size >= options.maxPerRunner) continue;
    // Least loaded; among equals one that has loaded (a spare ready now), then the one that
    // served least, so work spreads over idle runners.
    if (
      best === undefined ||
      r.jobs.size < best.jobs.size ||
      (r.jobs.size === best.jobs.size && r.loaded && !best.loaded) ||
      (r.jobs.size === best.jobs.size && r.loaded === best.loaded && r.served < best.served)
    ) {
      best = r;
    }
  }
  // `max` caps the runners alive, those still finishing their last request included.
  if (best === undefined || (best.jobs.size > 0 && runners.size < options.max)) {
    // A start the crash policy delays: the busy runner takes it (see `canAssign`).
    if (best !== undefined && policy.startDelay() > 0) return best;
    return undefined;
  }
  return best;
}
