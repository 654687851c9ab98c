/**
 * The sequential strategy: Python's default. One request runs at a time, in this process; the
 * next is taken only after it finished. Later requests wait in the transport's bounded queue.
 */
import type { ConcurrencyStrategy, RequestJob, StrategyHost } from './strategy.js';

/** Python's synchronous `BaseServer.process_request`: requests one after another. */
export class SequentialStrategy<TRequest = unknown> implements ConcurrencyStrategy<TRequest> {
  readonly name = 'sequential';
  #active = 0;
  readonly #done = () => {
    this.#active -= 1;
  };

  get active(): number {
    return this.#active;
  }

  async start(_host: StrategyHost): Promise<void> {}

  /**
   * Runs the request here and resolves once it was released. With `executeThen` the release
   * settles the one promise returned here (no `execute()` promise and `.then` chained on it).
   */
  run(job: RequestJob<TRequest>): Promise<void> {
    this.#active += 1;
    if (job.executeThen === undefined) return job.execute().then(this.#done);
    const { promise, resolve } = Promise.withResolvers<void>();
    job.executeThen(() => {
      this.#active -= 1;
      resolve();
    });
    return promise;
  }

  async close(): Promise<void> {}
}
