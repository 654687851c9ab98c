/**
 * A request a forking child accepted itself (`acceptIn: 'children'`), as the runner pool counts
 * it on that child (a `RunnerJob`) from the moment the child said so. The child runs it at once;
 * the server's pipeline gets it through the transport (see `child-held-connection.ts`) and may
 * reach the strategy before or after the child answered: whichever comes second settles the
 * pipeline's job. A request the pipeline released without running (refused, dropped) is cut in
 * the child. `accepted = finished + cut + refused + dropped` holds as for every request.
 */
import type { RequestJob, SocketAddress, StrategyHost } from '@sockserve/core';
import {
  type FromRunner,
  fromRemoteError,
  type Runner,
  type RunnerJob,
  type RunnerPool,
  remoteStopper,
} from '@sockserve/core/remote';

/** See the module comment. */
export class HeldRequest implements RunnerJob {
  readonly clientAddress: SocketAddress;
  /** The pool's id, set once the pool adopted it. */
  id = -1;
  readonly #pool: RunnerPool;
  readonly #runner: Runner;
  readonly #host: StrategyHost | undefined;
  #job: RequestJob<unknown> | undefined;
  #outcome: { readonly error: Error | undefined } | undefined;
  #released = false;

  constructor(pool: RunnerPool, runner: Runner, clientAddress: SocketAddress, host?: StrategyHost) {
    this.#pool = pool;
    this.#runner = runner;
    this.clientAddress = clientAddress;
    this.#host = host;
  }

  receive(message: FromRunner): void {
    if (message.t !== 'done') return;
    if (message.preamble !== undefined)
      this.#host?.runnerPreamble?.settledElsewhere(message.preamble, this.clientAddress);
    if (message.refused !== undefined)
      this.#host?.connectionUpgrade?.refusedElsewhere(message.refused, this.clientAddress);
    this.#end(message.error && fromRemoteError(message.error, this.#runner.name));
  }

  fail(error: Error): void {
    this.#end(error);
  }

  /** The pipeline hands it to the strategy: it runs in the child (already, or finished). */
  attach(job: RequestJob<unknown>): void {
    this.#job = job;
    job.executeElsewhere(remoteStopper(this.#pool, this.id, this.#runner));
    if (this.#outcome !== undefined) void job.settle(this.#outcome.error);
  }

  /** The pipeline released it (or the transport refused it): if it never ran here, the child cuts it. */
  released(): void {
    if (this.#released) return;
    this.#released = true;
    if (this.#job === undefined && this.#outcome === undefined) this.#pool.cut(this.id);
  }

  #end(error: Error | undefined): void {
    if (this.#outcome !== undefined) return;
    this.#outcome = { error };
    this.#pool.finished(this.id);
    if (this.#job !== undefined) void this.#job.settle(error);
  }
}
