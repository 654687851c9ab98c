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
 * demand and topped up in the background as they are taken (see `spare-keeper.ts`).
 */
import { HandlerLoadError } from '../errors.js';
import { SlotWaiters } from '../slot-waiters.js';
import type { FromRunner, RunnerInit } from './protocol.js';
import { RunnerExitError } from './remote-error.js';
import type { Runner, RunnerFactory } from './runner.js';
import {
  initialRunners,
  isSpare,
  mayIdleOut,
  readyWithRoom,
  type SpareBounds,
  spareAdjustment,
  takeCensus,
} from './spare-keeper.js';

/** A request in flight on a runner. */
export interface RunnerJob {
  /** A message about this request. */
  receive(message: FromRunner): void;
  /** The runner died or was stopped before the request finished. */
  fail(error: Error): void;
}

/** Pool sizing. */
export interface RunnerPoolOptions {
  readonly min: number;
  readonly max: number;
  readonly maxPerRunner: number;
  readonly idleTimeout: number;
  /** Retire a runner after this many requests (Infinity: never). */
  readonly recycleAfter: number;
  /** ms a cut request's runner may take to answer before it is killed. Default 2000. */
  readonly cutGrace?: number;
  /** Idle runners kept ready ahead of demand, started in the background as they are taken. Default 0: on demand. */
  readonly minSpare?: number;
  /** Idle runners above this retire at once. Default Infinity: only `idleTimeout` trims them. */
  readonly maxSpare?: number;
}

/** One runner with its bookkeeping. */
export class PooledRunner {
  readonly runner: Runner;
  readonly ready: Promise<void>;
  readonly jobs = new Map<number, RunnerJob>();
  served = 0;
  retiring = false;
  /** It announced its exit: never handed another request. */
  dead = false;
  /** It loaded the handler (`ready`). */
  loaded = false;
  idleTimer: NodeJS.Timeout | undefined;

  constructor(runner: Runner, ready: Promise<void>) {
    this.runner = runner;
    this.ready = ready;
  }
}

/** See the module comment. */
export class RunnerPool {
  readonly #factory: RunnerFactory;
  #init: RunnerInit;
  readonly #options: RunnerPoolOptions;
  readonly #onShutdownRequest: () => Promise<void>;
  readonly #onCrash: (runner: string, reason: string) => void;
  readonly #runners = new Set<PooledRunner>();
  readonly #slots = new SlotWaiters();
  #spawned = 0;
  #nextJob = 0;
  #closed = false;
  /**
   * The last runner started could not load the handler: no spares are started (no loop of
   * failing start-ups) and requests go to runners started for them, failing as before, until
   * one loads again.
   */
  #loadFailing = false;

  constructor(
    factory: RunnerFactory,
    init: RunnerInit,
    options: RunnerPoolOptions,
    hooks: { shutdown: () => Promise<void>; crashed: (runner: string, reason: string) => void },
  ) {
    this.#factory = factory;
    this.#init = init;
    this.#options = options;
    this.#onShutdownRequest = hooks.shutdown;
    this.#onCrash = hooks.crashed;
  }

  /** Requests in flight across the pool. */
  get active(): number {
    let n = 0;
    for (const r of this.#runners) n += r.jobs.size;
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
    const first = Array.from({ length: initialRunners(this.#bounds()) }, () => this.#spawn());
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

  /** Assigns a job to the least-loaded runner (starting one if all are busy); returns its id and runner. */
  assign(job: RunnerJob): { id: number; runner: Runner } {
    const target = this.#choose();
    const id = this.#nextJob++;
    target.jobs.set(id, job);
    target.served += 1;
    if (target.idleTimer !== undefined) {
      clearTimeout(target.idleTimer);
      target.idleTimer = undefined;
    }
    if (target.served >= this.#options.recycleAfter) this.#retire(target);
    this.#keepSpares();
    return { id, runner: target.runner };
  }

  /** The job `id` finished: frees its slot. */
  finished(id: number): void {
    for (const r of this.#runners) {
      if (!r.jobs.delete(id)) continue;
      this.#afterJob(r);
      return;
    }
  }

  /**
   * Cuts job `id`: its runner aborts it and answers `done`; if it has not after `cutGrace`
   * ms, the runner is killed (its exit fails the job).
   */
  cut(id: number): void {
    for (const r of this.#runners) {
      if (!r.jobs.has(id)) continue;
      r.runner.post({ t: 'cut', id });
      const timer = setTimeout(() => {
        if (r.jobs.has(id)) void r.runner.terminate('cut');
      }, this.#options.cutGrace ?? 2000);
      timer.unref();
      return;
    }
  }

  /**
   * Stops the pool: idle runners stop at once; a runner still running requests the server
   * did not wait for (`blockOnClose: false`) is detached and stops once they finished.
   */
  async close(): Promise<void> {
    this.#closed = true;
    this.#slots.wakeAll();
    const stopping: Array<Promise<void>> = [];
    for (const r of [...this.#runners]) {
      if (r.idleTimer !== undefined) clearTimeout(r.idleTimer);
      r.retiring = true;
      if (r.jobs.size === 0) stopping.push(r.runner.terminate('close'));
      else r.runner.detach?.();
    }
    await Promise.all(stopping);
  }

  #hasSlot(): boolean {
    if (this.active >= this.#options.max * this.#options.maxPerRunner) return false;
    // With spares kept, a request waits for the first runner ready to take it — a busy one
    // that frees up or a spare that finished loading — instead of being bound to one still
    // starting: short requests then never wait for a start-up the pool is doing anyway.
    const { minSpare = 0, maxPerRunner } = this.#options;
    return minSpare === 0 || this.#loadFailing || readyWithRoom(this.#runners, maxPerRunner);
  }

  #choose(): PooledRunner {
    let best: PooledRunner | undefined;
    let serving = 0;
    for (const r of this.#runners) {
      if (r.retiring || r.dead) continue;
      serving += 1;
      if (r.jobs.size >= this.#options.maxPerRunner) continue;
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
    if (best === undefined || (best.jobs.size > 0 && serving < this.#options.max))
      return this.#spawn();
    return best;
  }

  #spawn(): PooledRunner {
    const runner = this.#factory(this.#init, this.#spawned++);
    let settle: { resolve: () => void; reject: (e: Error) => void } | undefined;
    const ready = new Promise<void>((resolve, reject) => {
      settle = { resolve, reject };
    });
    ready.catch(() => {});
    const pooled = new PooledRunner(runner, ready);
    this.#runners.add(pooled);
    runner.onMessage((message) => {
      if (message.t === 'ready') {
        pooled.loaded = true;
        this.#loadFailing = false;
        settle?.resolve();
        this.#wakeSlots();
      } else if (message.t === 'init-error') {
        this.#loadFailing = true;
        this.#wakeSlots();
        settle?.reject(
          new HandlerLoadError(
            `${runner.name} could not load the handler: ${message.error.message}`,
          ),
        );
      } else if (message.t === 'shutdown') {
        void this.#onShutdownRequest().then(() =>
          runner.post({ t: 'shutdown-done', call: message.call }),
        );
      } else if (message.t === 'exiting') {
        pooled.dead = true;
        this.#wakeSlots();
      } else if ('id' in message) pooled.jobs.get(message.id)?.receive(message);
    });
    runner.onExit((reason, expected) => {
      settle?.reject(
        new HandlerLoadError(`${runner.name} exited while loading the handler: ${reason}`),
      );
      this.#runners.delete(pooled);
      if (pooled.idleTimer !== undefined) clearTimeout(pooled.idleTimer);
      const failed = [...pooled.jobs.values()];
      pooled.jobs.clear();
      if (!expected && !this.#closed) this.#onCrash(runner.name, reason);
      for (const job of failed)
        job.fail(new RunnerExitError(`${runner.name} ${reason} while running this request`));
      this.#wakeSlots();
      if (!this.#closed && this.#serving() < this.#options.min) this.#spawn();
      this.#keepSpares();
    });
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
    this.#keepSpares();
    if (r.retiring) return;
    r.idleTimer = setTimeout(() => {
      r.idleTimer = undefined;
      if (r.jobs.size === 0 && mayIdleOut(takeCensus(this.#runners), this.#bounds()))
        this.#retire(r);
    }, this.#options.idleTimeout);
    r.idleTimer.unref();
  }

  #retire(r: PooledRunner): void {
    r.retiring = true;
    if (r.jobs.size === 0) void r.runner.terminate('retire');
  }

  #serving(): number {
    let n = 0;
    for (const r of this.#runners) if (!r.retiring && !r.dead) n += 1;
    return n;
  }

  #wakeSlots(): void {
    this.#slots.wakeAll();
  }

  // --- Spares (spare-keeper.ts) ---

  #bounds(): SpareBounds {
    const o = this.#options;
    return { min: o.min, max: o.max, minSpare: o.minSpare ?? 0, maxSpare: o.maxSpare ?? Infinity };
  }

  /** Starts or retires runners so the spares stay within bounds (never while closing). */
  #keepSpares(): void {
    if (this.#closed || this.#loadFailing) return;
    const change = spareAdjustment(takeCensus(this.#runners), this.#bounds());
    for (let i = 0; i < change.start; i += 1) this.#spawn();
    if (change.retire === 0) return;
    // The oldest spares go. Chosen first: a runner that stops at once re-enters this method.
    const victims = [...this.#runners].filter(isSpare).slice(0, change.retire);
    for (const r of victims) if (isSpare(r) && this.#runners.has(r)) this.#retire(r);
  }
}
