/**
 * Which runner of a `RunnerPool` takes the next request, and whether one can take it now:
 * the least-loaded serving runner, bounded by `maxPerRunner`, with the pool's spares taken
 * into account (see `runner-pool.ts`). Whether a runner may start beside the busy ones (the
 * cap, the crash policy's delayed starts, growth beyond the floor) is the sizing's one answer
 * (`RunnerPoolSizing.startDecision`), passed in as `startNow`.
 */
import { type PooledRunner, slotsTaken } from './pooled-runner.js';
import type { RunnerPoolOptions } from './runner-pool-options.js';
import { readyWithRoom } from './spare-keeper.js';

/** True when a runner may start now beside the busy ones (`RunnerPoolSizing.startDecision`). */
export type StartNow = () => boolean;

/** Requests in flight across `runners` (silent connections waiting for first bytes not counted). */
export function activeJobs(runners: Iterable<PooledRunner>): number {
  let n = 0;
  for (const r of runners) n += slotsTaken(r);
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
 * are kept), or a runner may start for it (`startNow`: fewer than `max` alive, counting runners
 * still finishing their last request — the hard cap; an unreaped child counts in Python too —,
 * no start the crash policy delays, growth due). The pool is the one owner of this count: strategies don't
 * keep their own (issue 19 review: forking once counted free children a second time).
 */
export function hasSlot(
  runners: ReadonlySet<PooledRunner>,
  options: RunnerPoolOptions,
  loadFailing: boolean,
  startNow: StartNow,
): boolean {
  const { minSpare = 0, maxPerRunner } = options;
  if (activeJobs(runners) >= options.max * maxPerRunner) return false;
  // With spares kept, a request waits for the first runner ready to take it — a busy one
  // that frees up or a spare that finished loading — instead of being bound to one still
  // starting: short requests then never wait for a start-up the pool is doing anyway.
  if (minSpare > 0 && !loadFailing) return readyWithRoom(runners, maxPerRunner);
  for (const r of runners) if (!r.retiring && !r.dead && slotsTaken(r) < maxPerRunner) return true;
  // Every runner busy: a start only when the sizing says now (not at the cap, not delayed by
  // the crash policy, growth due: `pool-growth.ts`), else queue.
  return startNow();
}

/**
 * The runner to take the next request: a serving one with room, or undefined when a new
 * runner should start for it (every runner busy and the pool below `max`, unless the crash
 * policy delays that start: then the busy runner takes it). The least loaded; among equals
 * one that loaded, then the one that served least, so work spreads over idle runners. With
 * `preferLoaded` (threading) one that loaded its handler comes first, the least loaded of
 * those; a runner still starting takes the request only when no loaded one has room — a
 * request bound to a starting worker waits for its handler to load (170 ms, issue 20) while a
 * loaded one could serve it at once. Silent connections waiting for their first
 * bytes on a runner (`PooledRunner.waiting`) take none of its slots.
 */
export function chooseRunner(
  runners: ReadonlySet<PooledRunner>,
  options: RunnerPoolOptions,
  startNow: StartNow,
): PooledRunner | undefined {
  let best: PooledRunner | undefined;
  let starting = false;
  for (const r of runners) {
    if (r.retiring || r.dead) continue;
    if (!r.loaded) starting = true;
    if (slotsTaken(r) >= options.maxPerRunner) continue;
    if (best === undefined || better(r, best, options.preferLoaded === true)) best = r;
  }
  // A loaded runner with room that is busy: a start already under way is the pool growing;
  // this request doesn't wait for it.
  if (options.preferLoaded && best?.loaded && slotsTaken(best) > 0 && starting) return best;
  if (best === undefined) return undefined;
  // Busy: a new runner takes it when one may start now; at the cap, while the crash policy
  // delays a start, or before growth is due, the busy runner takes it.
  return slotsTaken(best) > 0 && startNow() ? undefined : best;
}

/**
 * `r` should take a request before `best`: less loaded (loaded first with `preferLoaded`),
 * then among equals loaded first, then served less.
 */
function better(r: PooledRunner, best: PooledRunner, preferLoaded: boolean): boolean {
  if (preferLoaded && r.loaded !== best.loaded) return r.loaded;
  const load = slotsTaken(r) - slotsTaken(best);
  if (load !== 0) return load < 0;
  if (r.loaded !== best.loaded) return r.loaded;
  return r.served < best.served;
}

/**
 * The runner to hold a silent connection while it waits for its first bytes (issue 20): a
 * serving runner with no request running, the one holding fewest connections (waiting ones
 * included), loaded ones first; when every runner runs requests, undefined while the pool may
 * start one (as a request that finds every runner busy starts one), else the serving runner
 * holding fewest connections among those with a free slot — one whose slots are all taken
 * only when none has room (the connection would wait there for a slot when it speaks while
 * another could serve it); undefined when none serves.
 */
export function chooseWaitingRunner(
  runners: ReadonlySet<PooledRunner>,
  options: RunnerPoolOptions,
  startNow: StartNow,
): PooledRunner | undefined {
  let idle: PooledRunner | undefined;
  let room: PooledRunner | undefined;
  let any: PooledRunner | undefined;
  for (const r of runners) {
    if (r.retiring || r.dead) continue;
    if (any === undefined || holdsFewer(r, any)) any = r;
    const taken = slotsTaken(r);
    if (taken === 0 && (idle === undefined || holdsFewer(r, idle))) idle = r;
    if (taken < options.maxPerRunner && (room === undefined || holdsFewer(r, room))) room = r;
  }
  if (idle !== undefined) return idle;
  if (startNow()) return undefined;
  return room ?? any;
}

/** `r` should hold a silent connection before `best`: loaded first, then fewer connections. */
function holdsFewer(r: PooledRunner, best: PooledRunner): boolean {
  if (r.loaded !== best.loaded) return r.loaded;
  return r.jobs.size < best.jobs.size;
}
