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
 *
 * Crash loops (see `restart-policy.ts`): a runner that dies is blamed on the clients of the
 * requests it had started; a client blamed 5 times in a row is refused for a while (the
 * strategy asks {@link RunnerPool.admit}); crashes no request explains delay the pool's next
 * start, and while a start waits the pool offers only the room its serving runners have.
 */
import type { SocketAddress } from '../address.js';
import { HandlerLoadError } from '../errors.js';
import { SlotWaiters } from '../slot-waiters.js';
import type { FromRunner, RunnerInit } from './protocol.js';
import { RunnerExitError } from './remote-error.js';
import { type BackoffNotice, crashKey, RestartPolicy } from './restart-policy.js';
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
  /** Its client, to blame it for a crash (see `restart-policy.ts`). */
  readonly clientAddress?: SocketAddress;
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
  /** ms a client backs off after 5 crashes in a row, and between starts after 5 unexplained ones; 0: off. Default 1000. */
  readonly crashBackoff?: number;
  /** ms without a crash after which a row of crashes starts again. Default 10000. */
  readonly crashResetAfter?: number;
  /** The crash policy's clock in ms (default `performance.now`); tests pass their own. */
  readonly now?: () => number;
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
  /** The requests it had started when it announced its exit (the suspects of its crash). */
  running: ReadonlySet<number> | undefined;
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
  readonly #onBackoff: (notice: BackoffNotice, runner: string) => void;
  /** Who is blamed for crashes, who backs off, when the pool may start a runner. */
  readonly policy: RestartPolicy;
  #startTimer: NodeJS.Timeout | undefined;
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
    hooks: {
      shutdown: () => Promise<void>;
      crashed: (runner: string, reason: string) => void;
      backoff?: (notice: BackoffNotice, runner: string) => void;
    },
  ) {
    this.#factory = factory;
    this.#init = init;
    this.#options = options;
    this.#onShutdownRequest = hooks.shutdown;
    this.#onCrash = hooks.crashed;
    this.#onBackoff = hooks.backoff ?? (() => {});
    this.policy = new RestartPolicy({
      window: options.crashBackoff ?? 1000,
      resetAfter: options.crashResetAfter ?? 10_000,
      ...(options.now === undefined ? {} : { now: options.now }),
    });
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
      const job = r.jobs.get(id);
      if (job === undefined || !r.jobs.delete(id)) continue;
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
    clearTimeout(this.#startTimer);
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
    if (minSpare > 0 && !this.#loadFailing && !readyWithRoom(this.#runners, maxPerRunner))
      return false;
    // While the crash policy delays the next start, only serving runners' room is offered.
    if (this.policy.startDelay() === 0) return true;
    for (const r of this.#runners)
      if (!r.retiring && !r.dead && r.jobs.size < maxPerRunner) return true;
    return false;
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
    if (best === undefined || (best.jobs.size > 0 && serving < this.#options.max)) {
      // A start the crash policy delays: the busy runner takes it (see `canAssign`).
      if (best !== undefined && this.policy.startDelay() > 0) return best;
      return this.#spawn();
    }
    return best;
  }

  #spawn(): PooledRunner {
    this.policy.started();
    const runner = this.#factory(this.#init, this.#spawned++);
    let settle: { resolve: () => void; reject: (e: Error) => void } | undefined;
    const ready = new Promise<void>((resolve, reject) => {
      settle = { resolve, reject };
    });
    ready.catch(() => {});
    const pooled = new PooledRunner(runner, ready);
    this.#runners.add(pooled);
    let loadFailed = false;
    runner.onMessage((message) => {
      if (message.t === 'ready') {
        pooled.loaded = true;
        this.#loadFailing = false;
        settle?.resolve();
        this.#wakeSlots();
      } else if (message.t === 'init-error') {
        loadFailed = true;
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
        pooled.running = new Set(message.running);
        this.#wakeSlots();
      } else if ('id' in message) pooled.jobs.get(message.id)?.receive(message);
    });
    runner.onExit((reason, expected) => {
      settle?.reject(
        new HandlerLoadError(`${runner.name} exited while loading the handler: ${reason}`),
      );
      this.#runners.delete(pooled);
      if (pooled.idleTimer !== undefined) clearTimeout(pooled.idleTimer);
      const failed = [...pooled.jobs];
      pooled.jobs.clear();
      // A runner that could not load the handler ends as expected, but a pool whose
      // replacements keep failing to load is the classic crash loop: the policy counts it.
      if ((!expected || loadFailed) && !this.#closed)
        this.#crashed(pooled, failed, reason, !expected);
      else for (const [, job] of failed) this.policy.released(clientOf(job));
      for (const [, job] of failed)
        job.fail(new RunnerExitError(`${runner.name} ${reason} while running this request`));
      this.#wakeSlots();
      this.#keepMin();
      this.#keepSpares();
    });
    return pooled;
  }

  /** Reports a crash (`report`: an unexpected one) and blames it (see the module comment). */
  #crashed(
    pooled: PooledRunner,
    jobs: Array<[number, RunnerJob]>,
    reason: string,
    report: boolean,
  ): void {
    const name = pooled.runner.name;
    if (report) this.#onCrash(name, reason);
    // Blamed: the requests it said it had started; all it held when it died without a word.
    const blamed: Array<string | undefined> = [];
    for (const [id, job] of jobs) {
      if (pooled.running?.has(id) ?? true) blamed.push(clientOf(job));
      else this.policy.released(clientOf(job));
    }
    for (const notice of this.policy.crashed(blamed)) this.#onBackoff(notice, name);
  }

  /**
   * Starts runners while fewer than `min` serve, as soon as the crash policy lets it; while
   * it delays starts, a timer wakes the waiters (and this) when the next one may begin.
   */
  #keepMin(): void {
    while (!this.#closed) {
      const delay = this.policy.startDelay();
      if (delay > 0) {
        this.#startTimer ??= setTimeout(() => {
          this.#startTimer = undefined;
          this.#wakeSlots();
          this.#keepMin(); // Timers fire at whole ms, possibly a fraction early: check again.
          this.#keepSpares();
        }, Math.ceil(delay)).unref();
        return;
      }
      if (this.#serving() >= this.#options.min) return;
      this.#spawn();
    }
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
    // Crash back-off: spares wait with the rest; #keepMin's timer comes back here.
    if (this.policy.startDelay() > 0) {
      this.#keepMin();
      return;
    }
    const change = spareAdjustment(takeCensus(this.#runners), this.#bounds());
    for (let i = 0; i < change.start; i += 1) this.#spawn();
    if (change.retire === 0) return;
    // The oldest spares go. Chosen first: a runner that stops at once re-enters this method.
    const victims = [...this.#runners].filter(isSpare).slice(0, change.retire);
    for (const r of victims) if (isSpare(r) && this.#runners.has(r)) this.#retire(r);
  }
}

/** The crash key of a job's client (undefined: none). */
function clientOf(job: RunnerJob): string | undefined {
  return job.clientAddress === undefined ? undefined : crashKey(job.clientAddress);
}
