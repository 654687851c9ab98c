/**
 * The async strategy: many requests at once on the event loop, in this process. The natural
 * Node model (what Python needs threads for when handlers wait on I/O). An optional cap bounds
 * requests in flight: at the cap the serve loop stops taking requests until one finishes, so
 * later ones wait in the transport's bounded queue instead of piling up in memory.
 */
import { integerOption } from './options/option.js';
import { defineOptions, type OptionsInput } from './options/option-set.js';
import { BLOCK_ON_CLOSE } from './options/shared-options.js';
import { DONE } from './pipeline-request.js';
import { SlotWaiters } from './slot-waiters.js';
import type { CloseMode, ConcurrencyStrategy, RequestJob, StrategyHost } from './strategy.js';

/** Shared by every request that finds a slot free: no promise allocated per request. */

/** The declarations of {@link AsyncStrategyOptions}. */
export const ASYNC_STRATEGY_OPTIONS = defineOptions('AsyncStrategy', {
  maxInFlight: integerOption({
    min: 1,
    default: Number.POSITIVE_INFINITY,
    doc: 'requests running at once, at most; at the cap the serve loop takes no request until one finishes',
  }),
  blockOnClose: BLOCK_ON_CLOSE,
});

/** Options of {@link AsyncStrategy}; see {@link ASYNC_STRATEGY_OPTIONS}. */
export type AsyncStrategyOptions = OptionsInput<(typeof ASYNC_STRATEGY_OPTIONS)['specs']>;

/** Concurrent requests on the event loop; see the module comment. */
export class AsyncStrategy<TRequest = unknown> implements ConcurrencyStrategy<TRequest> {
  readonly name = 'async';
  /** The cap on requests in flight (`Infinity` when unbounded). */
  readonly maxInFlight: number;
  /** Whether `serverClose()` waits for running requests. */
  readonly blockOnClose: boolean;
  #active = 0;
  readonly #slots = new SlotWaiters();
  readonly #settled = () => {
    this.#active -= 1;
    this.#slots.wakeOne();
  };
  #closed = false;

  constructor(options: AsyncStrategyOptions = {}) {
    ({ maxInFlight: this.maxInFlight, blockOnClose: this.blockOnClose } =
      ASYNC_STRATEGY_OPTIONS.resolve(options));
  }

  get closeMode(): CloseMode {
    return this.blockOnClose ? 'wait' : 'detach';
  }

  get active(): number {
    return this.#active;
  }

  async start(_host: StrategyHost): Promise<void> {}

  /** Resolves once fewer than `maxInFlight` requests run, or when `signal` aborts or the strategy closes. */
  waitForSlot(signal?: AbortSignal): Promise<void> {
    if (this.#active < this.maxInFlight) return DONE;
    return this.#slots.wait(
      () => this.#active < this.maxInFlight,
      () => this.#closed,
      signal,
    );
  }

  /** True when fewer than `maxInFlight` requests run: `waitForSlot()` would resolve at once. */
  hasFreeSlot(): boolean {
    return this.#active < this.maxInFlight;
  }

  /** Starts the request and resolves at once; it runs on. */
  run(job: RequestJob<TRequest>): Promise<void> {
    this.#active += 1;
    // One shared callback, no closure or promise per request; execute() never rejects.
    if (job.executeThen !== undefined) job.executeThen(this.#settled);
    else void job.execute().then(this.#settled);
    return DONE;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#slots.wakeAll();
  }
}
