/**
 * `execute()` of the request pipeline: runs `finishRequest()` for a request the strategy runs
 * in this process and ends it when that settles. When `finishRequest()` is the default (or an
 * override returned what `super.finishRequest()` returned), the handler's lifecycle ends the
 * request itself (`owned-lifecycle.ts`): one promise reaction per request instead of a second
 * chain. A cut or a deadline ends the request without waiting for a handler that ignores its
 * signal: the strategy (a sequential loop, an in-flight slot) is released then too.
 */
import { DONE, Phase, type PipelineRequest } from './pipeline-request.js';
import type { PipelineServer } from './pipeline-server.js';

/** What execute() needs of its pipeline: how a running request ends. */
export interface ExecuteHereHost<TRequest> {
  /** Ends a running request: `shutdownRequest`, or the error path when `error` is given. */
  settle(entry: PipelineRequest<TRequest>, error?: unknown): Promise<void>;
}

/** The in-process execution of one pipeline's requests; see the module comment. */
export class ExecuteHere<TRequest> {
  readonly #server: PipelineServer<TRequest>;
  readonly #host: ExecuteHereHost<TRequest>;
  /** The request start() is running `finishRequest()` for (synchronously). */
  #starting: PipelineRequest<TRequest> | undefined;
  /** The owned lifecycle the run-here path started for `#starting`. */
  #ownedRun: Promise<void> | undefined;

  constructor(server: PipelineServer<TRequest>, host: ExecuteHereHost<TRequest>) {
    this.#server = server;
    this.#host = host;
  }

  /**
   * When `entry` is the request start() is running, runs `run(server, entry)` — a lifecycle
   * that ends the request itself — and returns it (once); otherwise `undefined`.
   */
  claimOwned(
    entry: PipelineRequest<TRequest>,
    run: (server: object, entry: PipelineRequest<TRequest>) => Promise<void>,
    server: object,
  ): Promise<void> | undefined {
    if (this.#starting !== entry) return undefined;
    this.#starting = undefined;
    this.#ownedRun = run(server, entry);
    return this.#ownedRun;
  }

  /** Runs `finishRequest()` for `entry` (its `release` already set); see the module comment. */
  start(entry: PipelineRequest<TRequest>): void {
    if (entry.phase !== Phase.Begun) {
      entry.released();
      return;
    }
    entry.phase = Phase.Running;
    if (entry.cut !== undefined) {
      releaseWhen(entry, this.#host.settle(entry, entry.cut));
      return;
    }
    let run: Promise<void>;
    this.#starting = entry;
    try {
      run = this.#server.finishRequest(entry.request, entry.clientAddress);
    } catch (error) {
      run = Promise.reject(error);
    } finally {
      this.#starting = undefined;
    }
    const owned = this.#ownedRun;
    this.#ownedRun = undefined;
    if (owned !== undefined && run === owned) {
      entry.owned = true;
      return;
    }
    void run.then(
      () => releaseWhen(entry, this.#host.settle(entry)),
      (error: unknown) =>
        releaseWhen(
          entry,
          this.#host.settle(entry, error ?? new Error('handler rejected with no reason')),
        ),
    );
  }

  /** The owned lifecycle ended (`error`: it failed): ends the request, then releases it. */
  endOwned(entry: PipelineRequest<TRequest>, error?: unknown): void {
    releaseWhen(entry, this.#host.settle(entry, error));
  }
}

/** Releases `entry` to its strategy once `ended` (its end hooks) settled. */
function releaseWhen<TRequest>(entry: PipelineRequest<TRequest>, ended: Promise<void>): void {
  if (ended === DONE) entry.released();
  else void ended.then(() => entry.released());
}
