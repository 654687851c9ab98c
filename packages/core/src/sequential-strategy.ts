/**
 * The sequential strategy: Python's default. One request runs at a time, in this process; the
 * next is taken only after it finished. Later requests wait in the transport's bounded queue.
 */
import type { SocketAddress } from './address.js';
import type { ConcurrencyStrategy, StrategyHost } from './strategy.js';

/** Python's synchronous `BaseServer.process_request`: requests one after another. */
export class SequentialStrategy<TRequest = unknown> implements ConcurrencyStrategy<TRequest> {
  readonly name = 'sequential';
  #host: StrategyHost<TRequest> | undefined;
  #active = 0;
  #current: Promise<void> | undefined;

  get active(): number {
    return this.#active;
  }

  async start(host: StrategyHost<TRequest>): Promise<void> {
    this.#host = host;
  }

  async dispatch(request: TRequest, clientAddress: SocketAddress): Promise<void> {
    const host = this.#host;
    if (host === undefined) throw new Error('SequentialStrategy.dispatch() before start()');
    this.#active += 1;
    const current = host.runRequest(request, clientAddress);
    this.#current = current;
    try {
      await current;
    } finally {
      this.#active -= 1;
      this.#current = undefined;
    }
  }

  /** With `wait`, resolves once the running request (if any) finished. */
  async close(options: { wait: boolean }): Promise<void> {
    if (options.wait) await this.#current?.catch(() => {});
  }
}
