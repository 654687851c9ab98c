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
 * A request can be taken now: the pool is below `max * maxPerRunner` in flight, a runner is
 * ready for it when spares are kept, and a start the crash policy delays is not needed.
 */
export function hasSlot(
  runners: ReadonlySet<PooledRunner>,
  options: RunnerPoolOptions,
  policy: RestartPolicy,
  loadFailing: boolean,
): boolean {
  if (activeJobs(runners) >= options.max * options.maxPerRunner) return false;
  // With spares kept, a request waits for the first runner ready to take it — a busy one
  // that frees up or a spare that finished loading — instead of being bound to one still
  // starting: short requests then never wait for a start-up the pool is doing anyway.
  const { minSpare = 0, maxPerRunner } = options;
  if (minSpare > 0 && !loadFailing && !readyWithRoom(runners, maxPerRunner)) return false;
  // While the crash policy delays the next start, only serving runners' room is offered.
  if (policy.startDelay() === 0) return true;
  for (const r of runners) if (!r.retiring && !r.dead && r.jobs.size < maxPerRunner) return true;
  return false;
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
  let serving = 0;
  for (const r of runners) {
    if (r.retiring || r.dead) continue;
    serving += 1;
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
  if (best === undefined || (best.jobs.size > 0 && serving < options.max)) {
    // A start the crash policy delays: the busy runner takes it (see `canAssign`).
    if (best !== undefined && policy.startDelay() > 0) return best;
    return undefined;
  }
  return best;
}
