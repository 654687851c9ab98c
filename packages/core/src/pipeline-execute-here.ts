/**
 * `execute()` of the request pipeline: runs `finishRequest()` for a request the strategy runs
 * in this process and ends it when that settles. When `finishRequest()` is the default (or an
 * override returned what `super.finishRequest()` returned), the handler's lifecycle ends the
 * request itself (`owned-lifecycle.ts`): one promise reaction per request instead of a second
 * chain. When `finishRequest()` is not overridden at all, the request is owned before its
 * handler starts: a step that completes synchronously (a synchronous `handle()`, a datagram's
 * `finish()` by callback) goes straight on, with no promise and no closure. A cut or a
 * deadline ends the request without waiting for a handler that ignores its signal: the
 * strategy (a sequential loop, an in-flight slot) is released then too.
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
  /** start() calls the server's own default `finishRequest()`: its request is owned up front. */
  #ownedUpFront = false;
  /** The `finishRequest()` the server's base class defines: the default. */
  readonly #defaultFinish: unknown;

  constructor(server: PipelineServer<TRequest>, host: ExecuteHereHost<TRequest>) {
    this.#server = server;
    this.#host = host;
    this.#defaultFinish = baseMethod(server, 'finishRequest');
  }

  /**
   * True (once) when `entry` is the request start() is running: the caller then runs a
   * lifecycle that ends the request itself and hands it to {@link ownedStarted}. With the
   * default `finishRequest()` the request is marked owned here, before its handler runs.
   */
  claimOwned(entry: PipelineRequest<TRequest>): boolean {
    if (this.#starting !== entry) return false;
    this.#starting = undefined;
    if (this.#ownedUpFront) entry.owned = true;
    return true;
  }

  /** The owned lifecycle {@link claimOwned} allowed has started: returns `run`. */
  ownedStarted(run: Promise<void>): Promise<void> {
    this.#ownedRun = run;
    return run;
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
    const server = this.#server;
    this.#starting = entry;
    this.#ownedUpFront = server.finishRequest === this.#defaultFinish;
    try {
      run = server.finishRequest(entry.request, entry.clientAddress);
    } catch (error) {
      run = Promise.reject(error);
    } finally {
      this.#starting = undefined;
      this.#ownedUpFront = false;
    }
    const owned = this.#ownedRun;
    this.#ownedRun = undefined;
    // Owned up front (already marked), or an override returned the lifecycle's own promise.
    if (owned !== undefined && (entry.owned || run === owned)) {
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

/**
 * The `name` method of the topmost prototype of `object` that defines one: for a server, its
 * base class's default (`BaseServer.prototype.finishRequest`), whatever subclasses override.
 */
export function baseMethod(object: object, name: string): unknown {
  let found: unknown;
  for (
    let proto = Object.getPrototypeOf(object);
    proto !== null;
    proto = Object.getPrototypeOf(proto)
  ) {
    if (Object.hasOwn(proto, name)) found = proto[name];
  }
  return found;
}

/** Releases `entry` to its strategy once `ended` (its end hooks) settled. */
function releaseWhen<TRequest>(entry: PipelineRequest<TRequest>, ended: Promise<void>): void {
  if (ended === DONE) entry.released();
  else releaseLater(entry, ended);
}

/** {@link releaseWhen} for hooks still running: its closure (and context) made only here. */
function releaseLater<TRequest>(entry: PipelineRequest<TRequest>, ended: Promise<void>): void {
  void ended.then(() => entry.released());
}
