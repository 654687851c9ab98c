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
  /** What {@link runThen} calls at the release of the request it runs. */
  #ready: (() => void) | undefined;
  /** The release callback {@link runThen} gives its job: made once, not per request. */
  readonly #releasedThen = () => {
    this.#active -= 1;
    const ready = this.#ready;
    this.#ready = undefined;
    ready?.();
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

  /**
   * {@link run} without a promise: `ready` is called once the request was released (at once
   * when that happens before this returns). The serve loop's path for the built-in strategy
   * (`RequestPipeline.handleThen`): it passes the same `ready` for every request, so a
   * request costs no promise, no resolving functions and no closure here.
   */
  runThen(job: RequestJob<TRequest>, ready: () => void): void {
    if (job.executeThen === undefined || this.#ready !== undefined) {
      // No executeThen, or a second request before the first was released (not the serve
      // loop's way): run()'s promise.
      void this.run(job).then(ready);
      return;
    }
    this.#active += 1;
    this.#ready = ready;
    job.executeThen(this.#releasedThen);
  }

  async close(): Promise<void> {}
}
