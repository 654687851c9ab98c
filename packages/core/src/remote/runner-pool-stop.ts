/**
 * How a runner pool's runners stop, and what their exit does. A cut request is aborted by
 * message; its runner is killed only if it still holds the request after the grace period.
 * The pool's close stops idle runners at once and detaches busy ones (they stop once their
 * requests finished). When a runner exits (a crash, a retire, a close, a handler that could
 * not load), it leaves the pool, each job it held fails with what
 * its death means for it (`runner-exit.ts`), an unexpected exit is reported and blamed
 * (`crash-blame.ts`: the clients whose requests were running may be backed off), and the pool
 * is topped up again to its `min` and spares. Python's `ForkingMixIn` has no counterpart: a
 * forked child that dies takes only its own request with it, and nothing replaces it.
 */
import { blameCrash } from './crash-blame.js';
import { clientOf, type PooledRunner } from './pooled-runner.js';
import type { BackoffNotice, RestartPolicy } from './restart-policy.js';
import { lostWith } from './runner-exit.js';
import type { RunnerPoolSizing } from './runner-pool-sizing.js';

/** What an exit changes in its pool (`RunnerPool`). */
export interface ExitHost {
  readonly runners: Set<PooledRunner>;
  readonly policy: RestartPolicy;
  readonly sizing: RunnerPoolSizing;
  /** The pool was closed: exits are expected, nothing is replaced. */
  readonly closed: () => boolean;
  /** Reports an unexpected exit (the pool's `crashed` hook). */
  readonly crashed: (runner: string, reason: string) => void;
  /** Reports a client backed off after a crash (the pool's `backoff` hook). */
  readonly backoff: (notice: BackoffNotice, runner: string) => void;
  /** Wakes whoever waits for a slot. */
  readonly wake: () => void;
}

/**
 * Cuts job `id`: its runner aborts it and answers `done`; if it has not after `grace` ms, the
 * runner is killed (its exit fails the job).
 */
export function cutJob(runners: Iterable<PooledRunner>, id: number, grace: number): void {
  for (const r of runners) {
    if (!r.jobs.has(id)) continue;
    r.runner.post({ t: 'cut', id });
    const timer = setTimeout(() => {
      if (r.jobs.has(id)) void r.runner.terminate('cut');
    }, grace);
    timer.unref();
    return;
  }
}

/**
 * The runners' part of the pool's close: idle runners stop at once; a runner still running
 * requests the server did not wait for (`blockOnClose: false`) is detached and stops once
 * they finished. Resolves once the idle ones stopped.
 */
export async function stopRunners(runners: Iterable<PooledRunner>): Promise<void> {
  const stopping: Array<Promise<void>> = [];
  for (const r of [...runners]) {
    if (r.idleTimer !== undefined) clearTimeout(r.idleTimer);
    r.retiring = true;
    if (r.jobs.size === 0) stopping.push(r.runner.terminate('close'));
    else r.runner.detach?.();
  }
  await Promise.all(stopping);
}

/** A runner exited: fails its requests, blames a crash, replaces it if need be. */
export function runnerExited(
  pool: ExitHost,
  pooled: PooledRunner,
  reason: string,
  expected: boolean,
  loadFailed: boolean,
): void {
  const runner = pooled.runner;
  pool.runners.delete(pooled);
  if (pooled.idleTimer !== undefined) clearTimeout(pooled.idleTimer);
  const failed = [...pooled.jobs];
  pooled.jobs.clear();
  // A runner that could not load the handler ends as expected, but a pool whose
  // replacements keep failing to load is the classic crash loop: the policy counts it.
  if ((!expected || loadFailed) && !pool.closed()) {
    if (!expected) pool.crashed(runner.name, reason); // reported: an unexpected one
    for (const notice of blameCrash(pool.policy, pooled, failed)) pool.backoff(notice, runner.name);
  } else for (const [, job] of failed) pool.policy.released(clientOf(job));
  for (const [id, job] of failed) job.fail(lostWith(pooled, id, `${runner.name} ${reason}`));
  pool.wake();
  pool.sizing.keepMin();
  pool.sizing.keepSpares();
}
