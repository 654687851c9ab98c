/**
 * A pool of runners (worker threads or child processes). Requests go to the least-loaded
 * runner; a new one starts when every runner is busy and the pool is below `max`; runners
 * idle for `idleTimeout` retire down to `min`; one that served `recycleAfter` requests is
 * retired and replaced (Perl PreFork's max_requests); one that dies fails only its own
 * requests and is replaced; one that announced its exit (`process.exit()` in handler code) is
 * handed no new request from that moment. `maxPerRunner` bounds requests in flight per
 * runner, so the pool as a whole is bounded and the serve loop waits for a slot instead of
 * queueing without end. A request is cut by message; its runner is killed only when it
 * has not answered after `cutGrace` ms. With `minSpare`, idle runners are kept ready ahead of
 * demand and topped up in the background as they are taken. How many runners it keeps (up
 * front, `min`, spares, `max`, idling out, recycling) and whether one may start now (the one
 * answer, `startDecision`: cap, crash back-off, growth): `runner-pool-sizing.ts`.
 * Crash loops: see `crash-blame.ts`. Which runner takes a request: `runner-choice.ts`; what a
 * runner's messages mean: `pooled-runner-events.ts`; how runners stop (a cut, the close) and
 * what a runner's exit does: `runner-pool-stop.ts`.
 */
import type { SocketAddress } from '../address.js';
import { SlotWaiters } from '../slot-waiters.js';
import { clientOf, type PooledRunner, type RunnerJob } from './pooled-runner.js';
import { watchRunner } from './pooled-runner-events.js';
import type { RunnerInit } from './protocol.js';
import { crashKey, RestartPolicy } from './restart-policy.js';
import type { Runner, RunnerFactory } from './runner.js';
import { activeJobs, chooseRunner, chooseWaitingRunner, hasSlot } from './runner-choice.js';
import type { RunnerPoolHooks, RunnerPoolOptions } from './runner-pool-options.js';
import { RunnerPoolSizing } from './runner-pool-sizing.js';
import { cutJob, type ExitHost, runnerExited, stopRunners } from './runner-pool-stop.js';

// Moved to their own modules; still exported from here, where they were first.
export { PooledRunner, type RunnerJob } from './pooled-runner.js';
export type { RunnerPoolHooks, RunnerPoolOptions } from './runner-pool-options.js';

/** See the module comment. */
export class RunnerPool {
  readonly #factory: RunnerFactory;
  #init: RunnerInit;
  readonly #options: RunnerPoolOptions;
  readonly #onShutdownRequest: () => Promise<void>;
  /** Who is blamed for crashes, who backs off, when the pool may start a runner. */
  readonly policy: RestartPolicy;
  readonly #runners = new Set<PooledRunner>();
  readonly #sizing: RunnerPoolSizing;
  readonly #slots = new SlotWaiters();
  /** What a runner's exit changes here (`runner-pool-stop.ts`). */
  readonly #exitHost: ExitHost;
  #spawned = 0;
  #nextJob = 0;
  #closed = false;

  constructor(
    factory: RunnerFactory,
    init: RunnerInit,
    options: RunnerPoolOptions,
    hooks: RunnerPoolHooks,
  ) {
    this.#factory = factory;
    this.#init = init;
    this.#options = options;
    this.#onShutdownRequest = hooks.shutdown;
    this.policy = new RestartPolicy({
      window: options.crashBackoff ?? 1000,
      resetAfter: options.crashResetAfter ?? 10_000,
      ...(options.now === undefined ? {} : { now: options.now }),
    });
    this.#sizing = new RunnerPoolSizing(options, this.#runners, this.policy, {
      spawn: () => void this.#spawn(),
      retire: (r) => this.#retire(r),
      wake: () => this.#wakeSlots(),
    });
    this.#exitHost = {
      runners: this.#runners,
      policy: this.policy,
      sizing: this.#sizing,
      closed: () => this.#closed,
      crashed: hooks.crashed,
      backoff: hooks.backoff ?? (() => {}),
      wake: () => this.#wakeSlots(),
    };
  }

  /** The pool was closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * A job can be assigned now without a start the crash policy delays. False when that
   * changed since `waitForSlot()` resolved (a runner died meanwhile): wait again first.
   */
  get canAssign(): boolean {
    return this.#hasSlot();
  }

  /** May a request from `clientAddress` run now? (See `RestartPolicy.admit`.) */
  admit(clientAddress: SocketAddress): boolean {
    // No client is being watched (the usual case): no key to compute.
    return this.policy.watching === 0 || this.policy.admit(crashKey(clientAddress));
  }

  /** Requests in flight across the pool. */
  get active(): number {
    return activeJobs(this.#runners);
  }

  /** Runners that loaded the handler and take requests (not retiring, not exiting). */
  get ready(): number {
    let n = 0;
    for (const r of this.#runners) if (r.loaded && !r.retiring && !r.dead) n += 1;
    return n;
  }

  /** Runners alive (starting, serving or retiring). */
  get size(): number {
    return this.#runners.size;
  }

  /**
   * New settings for the runners' connection upgrade (a certificate reload): posted to every
   * runner, and in the init of the runners started from now on.
   */
  updateUpgrade(settings: unknown): void {
    const upgrade = this.#init.upgrade;
    if (upgrade === undefined) return;
    this.#init = { ...this.#init, upgrade: { ...upgrade, settings } };
    for (const r of this.#runners) r.runner.post({ t: 'upgrade-settings', settings });
  }

  /** Starts `min` runners (at least one) and waits until they loaded the handler. */
  async start(): Promise<void> {
    const first = Array.from({ length: this.#sizing.initial }, () => this.#spawn());
    await Promise.all(first.map((r) => r.ready));
  }

  /** Resolves when a request can be taken (or `signal` aborts, or the pool closes). */
  waitForSlot(signal?: AbortSignal): Promise<void> {
    return this.#slots.wait(
      () => this.#hasSlot(),
      () => this.#closed,
      signal,
    );
  }

  /**
   * Assigns a job to the least-loaded runner (starting one if all are busy); returns its id and
   * runner. `silent`: a connection that will wait on the runner for its first bytes — it goes
   * to an idle serving runner holding fewest connections (a new one starts when every runner
   * is busy, as for a request) and takes no slot until `spoke(id)`.
   */
  assign(job: RunnerJob, silent = false): { id: number; runner: Runner } {
    // A silent connection (issue 20) waits on a serving runner without taking a slot.
    const waitOn = silent
      ? chooseWaitingRunner(this.#runners, this.#options, this.#startNow)
      : undefined;
    const target = waitOn ?? this.#choose();
    return { id: this.#take(target, job, silent), runner: target.runner };
  }

  /**
   * Counts `job` on `runner`, which took it by itself (a forking child that accepted the
   * connection from the shared listening socket): as {@link assign}, without choosing.
   * Returns its id, or undefined when `runner` is not (or no longer) in this pool.
   */
  adopt(runner: Runner, job: RunnerJob): number | undefined {
    for (const r of this.#runners) if (r.runner === runner) return this.#take(r, job, false);
    return undefined;
  }

  #take(target: PooledRunner, job: RunnerJob, silent: boolean): number {
    const id = this.#nextJob++;
    target.jobs.set(id, job);
    if (silent) target.waiting.add(id);
    this.#sizing.took(target, id); // counts it, may recycle target
    // After the caller handed the job over (in the same tick): starting a spare is a
    // synchronous fork() of this process, 1–24 ms under load, which must not delay it.
    queueMicrotask(() => this.#sizing.keepSpares());
    return id;
  }

  /** Silent job `id` sent its first bytes: its handler started and takes a slot from now on. */
  spoke(id: number): void {
    for (const r of this.#runners) {
      if (!r.waiting.delete(id)) continue;
      this.#sizing.keepSpares(); // it may no longer be a spare
      return;
    }
  }

  /**
   * Undoes {@link assign} of job `id`, which never reached its runner (a silent socket that
   * could not move), in the tick it was assigned: its served count, idle timer and a recycle
   * its count started are as before. A runner started for it stays and idles out as any other.
   */
  withdraw(id: number): void {
    for (const r of this.#runners) {
      if (!r.jobs.delete(id)) continue;
      r.waiting.delete(id);
      r.served -= 1;
      if (r.recycledBy === id) r.retiring = false;
      this.#afterJob(r);
      return;
    }
  }

  /** The job `id` finished: frees its slot. */
  finished(id: number): void {
    for (const r of this.#runners) {
      const job = r.jobs.get(id);
      if (job === undefined || !r.jobs.delete(id)) continue;
      r.waiting.delete(id);
      if (this.policy.watching > 0) this.policy.survived(clientOf(job));
      this.#afterJob(r);
      return;
    }
  }

  /**
   * Cuts job `id`: its runner aborts it and answers `done`; if it has not after `cutGrace`
   * ms, the runner is killed (its exit fails the job).
   */
  cut(id: number): void {
    cutJob(this.#runners, id, this.#options.cutGrace ?? 2000);
  }

  /**
   * Stops the pool: idle runners stop at once; a runner still running requests the server
   * did not wait for (`blockOnClose: false`) is detached and stops once they finished.
   */
  async close(): Promise<void> {
    this.#closed = true;
    this.#sizing.close();
    this.#slots.wakeAll();
    await stopRunners(this.#runners);
  }

  #hasSlot(): boolean {
    const free = hasSlot(
      this.#runners,
      this.#options,
      this.#sizing.loadFailing,
      this.#startForRequest,
    );
    if (!free) this.#sizing.waiting();
    return free;
  }

  /** The runner for the next job (see `runner-choice.ts`), started for it if need be. */
  #choose(): PooledRunner {
    return chooseRunner(this.#runners, this.#options, this.#startNow) ?? this.#spawn();
  }

  /** The sizing's answer (`startDecision`): may a runner start beside the busy ones now? */
  readonly #startNow = (): boolean => this.#sizing.startDecision() === 'now';
  readonly #startForRequest = (): boolean => this.#sizing.startDecision(true) === 'now';

  #spawn(): PooledRunner {
    const startedAt = this.#sizing.starting();
    const pooled = watchRunner(this.#factory(this.#init, this.#spawned++), {
      loaded: () => {
        this.#sizing.loaded(startedAt);
        this.#wakeSlots();
      },
      loadFailed: () => {
        this.#sizing.loadFailing = true;
        this.#wakeSlots();
      },
      shutdown: () => this.#onShutdownRequest(),
      exiting: () => this.#wakeSlots(),
      exited: (reason, expected, loadFailed) =>
        runnerExited(this.#exitHost, pooled, reason, expected, loadFailed),
    });
    this.#runners.add(pooled);
    return pooled;
  }

  #afterJob(r: PooledRunner): void {
    this.#wakeSlots();
    if (r.jobs.size > 0) return;
    if (r.retiring) {
      void r.runner.terminate('retire');
      return;
    }
    if (this.#closed) return;
    this.#sizing.keepSpares();
    if (!r.retiring) this.#sizing.idle(r);
  }

  #retire(r: PooledRunner): void {
    r.retiring = true;
    if (r.jobs.size === 0) void r.runner.terminate('retire');
  }

  #wakeSlots(): void {
    this.#slots.wakeAll();
  }
}
