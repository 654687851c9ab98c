/**
 * When a runner pool grows beyond the runners it keeps anyway (issue 19): Apache's spawn rate
 * and Net::Server::PreFork's idea — a new runner pays off only when requests would otherwise
 * wait longer than its start-up takes. A Node child burns ~100–350 ms of CPU before it is
 * ready; under a burst of short requests on busy cores, starting one for every request that
 * finds the children busy only adds start-ups competing with the requests (measured, 20
 * clients: 1 spare vs 20 pre-warmed, 181/862 req/s).
 *
 * So while requests *queue* (one found no runner with room and waits for a slot, or one did
 * within the last wait), the pool starts a runner beyond its floor only once the waiting
 * request has waited `wait` ms — one runner per such wait, the clock starting again after
 * each start; a slot that frees up first serves it. When nothing queues, spares are topped up
 * as before (ahead of demand), and a request never waits for a start it doesn't need.
 *
 * The wait is `growAfter`: `'startup'` is the median wall time from start to handler loaded
 * of the last runners this pool started (measured on its own runners, no constant); a number
 * of ms sets it; `0` grows at once (the behaviour before). Starts that keep the pool at its
 * floor (a crash's or a per-request child's replacement) are not growth and never wait.
 */

/** How long a queued request waits before the pool grows: see the module comment. */
export type GrowAfter = 'startup' | number;

/**
 * What the pool may do beyond its floor now: `'free'` start as before (nothing queues);
 * `'due'` start one (a request has waited long enough); `'hold'` start none (queue).
 */
export type GrowthMode = 'free' | 'due' | 'hold';

/** The longest delay Node's `setTimeout` takes. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Start-ups kept for the median. */
const SAMPLES = 5;

/** The growth clock of one pool; see the module comment. */
export class PoolGrowth {
  readonly #growAfter: GrowAfter;
  readonly #onDue: () => void;
  readonly #startups: number[] = [];
  /** Since when a request waits for a slot (undefined: none does). */
  #waitingSince: number | undefined;
  /** When the last wait ended (a request that had waited was assigned). */
  #lastWaitEnd: number | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  /** `onDue` runs when a wait ran out: a waiting request may now start a runner, spares be topped up. */
  constructor(growAfter: GrowAfter, onDue: () => void) {
    this.#growAfter = growAfter;
    this.#onDue = onDue;
  }

  /** A runner this pool started loaded its handler `ms` after it was started. */
  recordStartup(ms: number): void {
    this.#startups.push(ms);
    if (this.#startups.length > SAMPLES) this.#startups.shift();
  }

  /** ms a queued request waits before the pool grows (0 before any start-up was measured). */
  get wait(): number {
    if (this.#growAfter !== 'startup') return this.#growAfter;
    if (this.#startups.length === 0) return 0;
    const sorted = [...this.#startups].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] as number;
  }

  /** See {@link GrowthMode}. */
  get mode(): GrowthMode {
    const wait = this.wait;
    if (wait === 0 || this.#closed) return 'free';
    const now = performance.now();
    if (this.#waitingSince !== undefined) return now - this.#waitingSince >= wait ? 'due' : 'hold';
    if (this.#lastWaitEnd !== undefined && now - this.#lastWaitEnd < wait) return 'hold';
    return 'free';
  }

  /** A request found no slot and waits (its wait starts now unless one is under way). */
  waiting(): void {
    if (this.#closed || this.#waitingSince !== undefined) return;
    this.#waitingSince = performance.now();
    this.#arm(this.#waitingSince);
  }

  /** A request was assigned: a wait under way ended. */
  served(): void {
    if (this.#waitingSince === undefined || this.#closed) return;
    this.#waitingSince = undefined;
    this.#lastWaitEnd = performance.now();
    this.#stopTimer();
    // Once the queue has been quiet for a wait, spares held back are topped up.
    this.#arm(this.#lastWaitEnd);
  }

  /** The pool grew by one: a request still waiting starts its clock again. */
  grew(): void {
    if (this.#waitingSince === undefined || this.#closed) return;
    this.#waitingSince = performance.now();
    this.#stopTimer();
    this.#arm(this.#waitingSince);
  }

  /** The pool closes: no more wake-ups. */
  close(): void {
    this.#closed = true;
    this.#stopTimer();
  }

  /** Calls `onDue` once `wait` ms passed since `from` (once: a newer call replaces it). */
  #arm(from: number): void {
    const wait = this.wait;
    this.#stopTimer();
    if (wait === 0) return;
    // Node's timers take at most 2^31 - 1 ms (a longer one fires after 1 ms): a longer wait
    // is armed in steps, each wake-up arming the rest.
    const left = Math.min(MAX_TIMER_MS, Math.max(1, Math.ceil(from + wait - performance.now())));
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#closed) return;
      // Timers fire at whole ms, possibly a fraction early, and a runner that loaded
      // meanwhile may have moved the median up: arm again until the current wait passed.
      if (performance.now() - from < this.wait) {
        this.#arm(from);
        return;
      }
      this.#onDue();
    }, left).unref();
  }

  #stopTimer(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
