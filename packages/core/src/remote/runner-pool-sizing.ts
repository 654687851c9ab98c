/**
 * How many runners a `RunnerPool` keeps, decided in one place: how many it starts up front;
 * whether a runner may start beside the busy ones now, later or not ({@link
 * RunnerPoolSizing.startDecision}: the cap `max`, the crash policy's delayed starts, growth
 * beyond the floor — `pool-growth.ts`: while requests queue, once one waited a start-up);
 * topping up to `min` serving runners after one ends, as soon as the crash policy lets it (a
 * timer wakes the waiting requests when the next start may begin); keeping spares within
 * `minSpare` / `maxSpare` (`spare-keeper.ts` decides the numbers); when an idle runner retires
 * (`idleTimeout`) and when a busy one is recycled (`recycleAfter`). The pool asks it after
 * every change and does what it says through {@link PoolSizingActions}.
 */
import { PoolGrowth } from './pool-growth.js';
import type { PooledRunner } from './pooled-runner.js';
import type { RestartPolicy } from './restart-policy.js';
import { servingRunners } from './runner-choice.js';
import type { RunnerPoolOptions } from './runner-pool-options.js';
import {
  initialRunners,
  isEmptySpare,
  mayDeferStart,
  mayIdleOut,
  type SpareBounds,
  spareAdjustment,
  takeCensus,
} from './spare-keeper.js';

/** Whether a runner may start: {@link RunnerPoolSizing.startDecision}. */
export type StartDecision = 'now' | 'later' | 'not';

/** What the sizing asks its pool to do. */
export interface PoolSizingActions {
  /** Start one runner. */
  spawn(): void;
  /** Retire `runner` (it stops once idle). */
  retire(runner: PooledRunner): void;
  /** Wake the requests waiting for a slot (a delayed start may now begin). */
  wake(): void;
}

/** The pool's sizing; see the module comment. */
export class RunnerPoolSizing {
  readonly #options: RunnerPoolOptions;
  readonly #runners: ReadonlySet<PooledRunner>;
  readonly #policy: RestartPolicy;
  readonly #act: PoolSizingActions;
  /** When starts beyond the floor may happen (`growAfter`). */
  readonly #growth: PoolGrowth;
  #startTimer: NodeJS.Timeout | undefined;
  /** Spare starts are waiting for the requests in flight (`spareStartDeferral`). */
  #deferTimer: NodeJS.Timeout | undefined;
  /** The wait above ran out: the next `keepSpares()` starts them whatever is in flight. */
  #deferExpired = false;
  #closed = false;
  /**
   * The last runner started could not load the handler: no spares are started (no loop of
   * failing start-ups) and requests go to runners started for them, failing as before, until
   * one loads again.
   */
  loadFailing = false;

  constructor(
    options: RunnerPoolOptions,
    runners: ReadonlySet<PooledRunner>,
    policy: RestartPolicy,
    actions: PoolSizingActions,
  ) {
    this.#options = options;
    this.#runners = runners;
    this.#policy = policy;
    this.#act = actions;
    this.#growth = new PoolGrowth(options.growAfter ?? 0, () => {
      this.#act.wake(); // a request waiting for a slot may now start a runner
      this.keepSpares();
    });
  }

  /**
   * Runners serving that need no growth to start: `min`, `minSpare`, at least one. A start
   * below it replaces a runner (a crash, a per-request child) and never waits.
   */
  get #floor(): number {
    const o = this.#options;
    return Math.max(1, o.min, o.minSpare ?? 0);
  }

  /**
   * Whether a runner may start beside the ones there are — the one answer the pool and
   * `runner-choice.ts` ask: `'not'` at the hard cap (`max` alive, those finishing their last
   * request included); `'later'` while the crash policy delays starts (its timer wakes the
   * waiters) or, at or above the floor, while requests queue and growth is not due yet
   * (`pool-growth.ts`: its timer wakes them); else `'now'` — below the floor a start replaces
   * a runner and never waits. `forRequest`: a request found no runner with room; its wait
   * counts toward growth.
   */
  startDecision(forRequest = false): StartDecision {
    if (this.#atMax) return 'not';
    if (this.#policy.startDelay() > 0) return 'later';
    if (servingRunners(this.#runners) < this.#floor) return 'now';
    if (forRequest) this.#growth.waiting();
    return this.#growth.mode === 'hold' ? 'later' : 'now';
  }

  /** A request found no slot and waits for one (its wait counts toward growth). */
  waiting(): void {
    this.#growth.waiting();
  }

  /**
   * `r` took job `id`: a wait under way ended, its idle timer stops, and it is retired once it
   * served `recycleAfter` requests (`recycledBy`: `RunnerPool.withdraw` undoes that).
   */
  took(r: PooledRunner, id: number): void {
    r.served += 1;
    this.#growth.served();
    clearTimeout(r.idleTimer);
    r.idleTimer = undefined;
    if (r.served >= this.#options.recycleAfter && !r.retiring) {
      r.recycledBy = id;
      this.#act.retire(r);
    }
  }

  /**
   * The pool starts a runner now: the crash policy paces from it, growth restarts the clock.
   * Returns the start time, for {@link loaded}.
   */
  starting(): number {
    this.#policy.started();
    if (servingRunners(this.#runners) >= this.#floor) this.#growth.grew();
    return performance.now();
  }

  /** A runner this pool started at `startedAt` loaded its handler: spares may start again. */
  loaded(startedAt: number): void {
    this.loadFailing = false;
    this.#growth.recordStartup(performance.now() - startedAt);
  }

  /** ms a queued request waits before the pool grows (`growAfter`; measured with `'startup'`). */
  get growthWait(): number {
    return this.#growth.wait;
  }

  /**
   * `max` runners are alive: the hard cap, counting one that announced its exit or retires
   * until it exited (an unreaped child counts in Python too; runner-pool-crash-loop.test.ts).
   */
  get #atMax(): boolean {
    return this.#runners.size >= this.#options.max;
  }

  /** Read from the options at each use: `max` may be a getter that changes (`maxChildren`). */
  get #bounds(): SpareBounds {
    const o = this.#options;
    return { min: o.min, max: o.max, minSpare: o.minSpare ?? 0, maxSpare: o.maxSpare ?? Infinity };
  }

  /** Runners to start up front: `min` and `minSpare`, at least one, within `max`. */
  get initial(): number {
    return initialRunners(this.#bounds);
  }

  /**
   * `r` runs nothing: it retires after `idleTimeout` if the pool may do without it then
   * (see `mayIdleOut`); a job taken meanwhile clears the timer (`RunnerPool`).
   */
  idle(r: PooledRunner): void {
    r.idleTimer = setTimeout(() => {
      r.idleTimer = undefined;
      if (r.jobs.size === 0 && mayIdleOut(takeCensus(this.#runners), this.#bounds)) {
        this.#act.retire(r);
      }
    }, this.#options.idleTimeout);
    r.idleTimer.unref();
  }

  /**
   * Starts runners while fewer than `min` serve, within `max`, as soon as the crash policy
   * lets it; while it delays starts, a timer wakes the waiters (and this) when the next one
   * may begin.
   */
  keepMin(): void {
    while (!this.#closed) {
      const delay = this.#policy.startDelay();
      if (delay > 0) {
        this.#startTimer ??= setTimeout(() => {
          this.#startTimer = undefined;
          this.#act.wake();
          this.keepMin(); // Timers fire at whole ms, possibly a fraction early: check again.
          this.keepSpares();
        }, Math.ceil(delay)).unref();
        return;
      }
      if (servingRunners(this.#runners) >= this.#options.min) return;
      // An exiting or retiring runner still counts; its `runnerExited` comes back here.
      if (this.#atMax) return;
      this.#act.spawn();
    }
  }

  /** Starts or retires runners so the spares stay within bounds (never while closing). */
  keepSpares(): void {
    if (this.#closed || this.loadFailing) return;
    // Crash back-off: spares wait with the rest; keepMin's timer comes back here.
    if (this.#policy.startDelay() > 0) {
      this.keepMin();
      return;
    }
    const census = takeCensus(this.#runners);
    const change = spareAdjustment(census, this.#bounds);
    // Up to the floor at once; beyond it as before unless requests queue, then one runner
    // once the waiting request has waited `growAfter` (`pool-growth.ts`).
    const free = Math.max(0, this.#floor - census.serving);
    const mode = change.start <= free ? 'free' : this.#growth.mode;
    const start = mode === 'free' ? change.start : free + (mode === 'due' ? 1 : 0);
    if (start > 0 && this.#deferStart()) return;
    this.#endDeferral();
    for (let i = 0; i < start; i += 1) this.#act.spawn();
    if (change.retire === 0) return;
    // The oldest spares go — never one holding silent connections waiting for first bytes
    // (it would stop only once they end). Chosen first: a runner that stops at once re-enters.
    const victims = [...this.#runners].filter(isEmptySpare).slice(0, change.retire);
    for (const r of victims) if (isEmptySpare(r) && this.#runners.has(r)) this.#act.retire(r);
  }

  /** The pool closes: nothing more is started. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#startTimer);
    this.#growth.close();
    this.#endDeferral();
  }

  /** True when the spares' start waits (see `mayDeferStart`); arms the bound's timer. */
  #deferStart(): boolean {
    const bound = this.#options.spareStartDeferral ?? 0;
    if (bound <= 0 || this.#deferExpired || !mayDeferStart(this.#runners)) return false;
    this.#deferTimer ??= setTimeout(() => {
      this.#deferTimer = undefined;
      this.#deferExpired = true;
      try {
        this.keepSpares();
      } finally {
        // Also when a start throws: else every later start would skip the wait.
        this.#deferExpired = false;
      }
    }, bound).unref();
    return true;
  }

  #endDeferral(): void {
    clearTimeout(this.#deferTimer);
    this.#deferTimer = undefined;
  }
}
