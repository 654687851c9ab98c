/**
 * The async strategy: many requests at once on the event loop, in this process. The natural
 * Node model (what Python needs threads for when handlers wait on I/O). An optional cap bounds
 * requests in flight: at the cap the serve loop stops taking requests until one finishes, so
 * later ones wait in the transport's bounded queue instead of piling up in memory.
 */
import type { SocketAddress } from './address.js';
import { ServerStateError } from './errors.js';
import { integerOption } from './options/option.js';
import { defineOptions, type OptionsInput } from './options/option-set.js';
import { BLOCK_ON_CLOSE } from './options/shared-options.js';
import { SlotWaiters } from './slot-waiters.js';
import type { ConcurrencyStrategy, StrategyHost } from './strategy.js';

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
  /** Whether `close()` waits for running requests. */
  readonly blockOnClose: boolean;
  #host: StrategyHost<TRequest> | undefined;
  readonly #running = new Set<Promise<void>>();
  readonly #slots = new SlotWaiters();
  #closed = false;

  constructor(options: AsyncStrategyOptions = {}) {
    ({ maxInFlight: this.maxInFlight, blockOnClose: this.blockOnClose } =
      ASYNC_STRATEGY_OPTIONS.resolve(options));
  }

  get active(): number {
    return this.#running.size;
  }

  async start(host: StrategyHost<TRequest>): Promise<void> {
    this.#host = host;
  }

  /** Resolves once fewer than `maxInFlight` requests run, or when `signal` aborts or the strategy closes. */
  waitForSlot(signal?: AbortSignal): Promise<void> {
    return this.#slots.wait(
      () => this.#running.size < this.maxInFlight,
      () => this.#closed,
      signal,
    );
  }

  async dispatch(request: TRequest, clientAddress: SocketAddress): Promise<void> {
    const host = this.#host;
    if (host === undefined) throw new ServerStateError('AsyncStrategy.dispatch() before start()');
    const run: Promise<void> = host.runRequestGuarded(request, clientAddress).finally(() => {
      this.#running.delete(run);
      this.#slots.wakeOne();
    });
    this.#running.add(run);
  }

  async close(options: { wait: boolean }): Promise<void> {
    this.#closed = true;
    this.#slots.wakeAll();
    if (options.wait && this.blockOnClose) {
      while (this.#running.size > 0) await Promise.all(this.#running);
    }
  }
}
