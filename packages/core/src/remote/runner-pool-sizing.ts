/**
 * How many runners a `RunnerPool` keeps: how many it starts up front; topping up to `min`
 * serving runners after one ends, as soon as the crash policy lets it (a timer wakes the
 * waiting requests when the next start may begin); keeping spares within `minSpare` /
 * `maxSpare` and alive runners under `max` (`spare-keeper.ts` decides the numbers); whether an
 * idle runner may retire, and when one is recycled (`recycleAfter`). The pool asks it after
 * every change and does what it says through {@link PoolSizingActions}.
 */
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

  /** A runner that served `served` requests is retired and replaced (`recycleAfter`). */
  recycles(served: number): boolean {
    return served >= this.#options.recycleAfter;
  }

  /** An idle runner may retire after `idleTimeout` (see `mayIdleOut`). */
  mayIdleOut(): boolean {
    return mayIdleOut(takeCensus(this.#runners), this.#bounds);
  }

  /**
   * Starts runners while fewer than `min` serve, as soon as the crash policy lets it; while
   * it delays starts, a timer wakes the waiters (and this) when the next one may begin.
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
    const change = spareAdjustment(takeCensus(this.#runners), this.#bounds);
    if (change.start > 0 && this.#deferStart()) return;
    this.#endDeferral();
    for (let i = 0; i < change.start; i += 1) this.#act.spawn();
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
