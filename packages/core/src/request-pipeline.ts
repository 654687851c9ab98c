/**
 * The request pipeline: the one owner of every request, from the moment the transport hands
 * it over until it is released —
 *
 *     begin ─► verifyRequest ─► processRequest (strategy.run: execute here | elsewhere)
 *           ─► shutdownRequest (or handleError first) ─► end
 *
 * It is the only place that counts requests (finished, failed, cut, refused), has them
 * published (`request-events.ts`: `request.start` / `request.end`, the `sockserve:request`
 * tracing channel), and drains or cuts running requests, whether they run in this process or
 * in a worker or child. The server's hooks (Python's `verify_request`,
 * `process_request`, `finish_request`, `shutdown_request`, `handle_error`) are called through
 * {@link PipelineServer}, so subclasses' overrides apply in Python's order. How a running
 * request is drained or stopped early (a cut, `requestTimeout`) is in `request-stop.ts`; the
 * error path (`handleError`, then `shutdownRequest`) in `pipeline-fail.ts`; the refused
 * ending in `pipeline-refuse.ts`; how a request runs in this process in
 * `pipeline-execute-here.ts` (`execute()`) and `pipeline-run-here.ts` (`finishRequest()`'s
 * default); the serve loop's sequential fast path in `pipeline-sequential-then.ts`.
 */
import type { SocketAddress } from './address.js';
import { requestTracing } from './diagnostics.js';
import { RequestUnservedError } from './errors.js';
import type { RequestHandlerClass } from './handler.js';
import { ExecuteHere } from './pipeline-execute-here.js';
import { failRequest } from './pipeline-fail.js';
import { refuseRequest } from './pipeline-refuse.js';
import { DONE, Phase, type PipelineOwner, PipelineRequest } from './pipeline-request.js';
import { type RunHereHost, runHere } from './pipeline-run-here.js';
import { SequentialThen, type SequentialThenHost } from './pipeline-sequential-then.js';
import { countOutcome, type PipelineCounts, type PipelineServer } from './pipeline-server.js';
import { endProcessed, serveVerifying, type VerifyingHost } from './pipeline-verifying.js';
import {
  publishRequestEnd,
  publishRequestStart,
  type RequestOutcome,
  traceRequest,
} from './request-events.js';
import { drainRequest, stopRequest } from './request-stop.js';
import { RunningRequests } from './running-requests.js';
import { SequentialStrategy } from './sequential-strategy.js';
import type { ConcurrencyStrategy, RemoteStopper } from './strategy.js';

export type { PipelineCounts, PipelineServer } from './pipeline-server.js';

/** The per-request path of one server; see the module comment. */
export class RequestPipeline<TRequest>
  implements PipelineOwner<TRequest>, RunHereHost<TRequest>, SequentialThenHost<TRequest>
{
  readonly #server: PipelineServer<TRequest>;
  readonly #strategy: ConcurrencyStrategy<TRequest>;
  readonly #running = new RunningRequests<PipelineRequest<TRequest>, TRequest>();
  readonly #idle: Array<() => void> = [];
  /** The server's `requestTimeout` (read at each request). */
  requestTimeout: () => number | null;
  /** The handler class, once the server resolved it. */
  handlerClass: RequestHandlerClass | undefined;
  readonly counts: PipelineCounts = { finished: 0, failed: 0, cut: 0, refused: 0 };
  #draining = false;
  /** @internal execute(): requests run in this process (`pipeline-execute-here.ts`). */
  readonly here: ExecuteHere<TRequest>;
  /** `run()` is the sequential strategy's: its promise resolves at the release, never rejects. */
  readonly #runOnlyReleases: boolean;
  /** What the strategy's `run()` returned last, for {@link #serve} to pass on. */
  #ran: Promise<void> | undefined;
  /** The error path's view of this pipeline (`pipeline-fail.ts`), and its other endings'. */
  readonly #failHost: VerifyingHost<TRequest>;
  /** The sequential fast path, for {@link handleThen}; undefined for any other strategy. */
  readonly #then: SequentialThen<TRequest> | undefined;
  /** @internal The error path, for `stopRequest` (`request-stop.ts`) to end a request it stopped. */
  readonly failEntry = (entry: PipelineRequest<TRequest>, error: unknown) =>
    failRequest(this.#failHost, entry, error);

  constructor(
    server: PipelineServer<TRequest>,
    strategy: ConcurrencyStrategy<TRequest>,
    onFatal: (error: unknown) => void,
    requestTimeout: () => number | null,
  ) {
    this.#server = server;
    this.#strategy = strategy;
    this.#failHost = {
      server,
      onFatal,
      end: (entry, error, outcome) => this.#end(entry, error, outcome),
      failEntry: this.failEntry,
    };
    this.requestTimeout = requestTimeout;
    this.here = new ExecuteHere(server, this);
    this.#runOnlyReleases = strategy.run === SequentialStrategy.prototype.run;
    this.#then = SequentialThen.of(this.#failHost, strategy);
  }

  /** Requests begun and not yet released. */
  get size(): number {
    return this.#running.size;
  }

  /**
   * One request from the transport: `verifyRequest`, then `processRequest`. Resolves when
   * the strategy is ready for the next one. An error escaping the error path (a
   * `ServerExit`, an error `handleError` rethrew) goes to `onFatal`. `marked`: handed over in
   * the server's marked frame, with the server's default path in between (`marked-turn.ts`).
   */
  handle(request: TRequest, clientAddress: SocketAddress, marked?: boolean): Promise<void> {
    const entry = this.begin(request, clientAddress);
    // For this synchronous turn only: a later one may run in another frame.
    if (marked === true) entry.markedTurn = true;
    try {
      if (!requestTracing.hasSubscribers) return this.#serve(entry);
      return traceRequest(this.#server, this.#strategy.name, entry, () => this.#serve(entry));
    } finally {
      if (marked === true) entry.markedTurn = false;
    }
  }

  /**
   * {@link handle} for the serve loop: with the built-in sequential strategy, the fast path
   * (`pipeline-sequential-then.ts`) calls `ready` once the request was released and returns
   * `undefined`; otherwise this returns {@link handle}'s promise and never calls `ready`.
   */
  handleThen(
    request: TRequest,
    clientAddress: SocketAddress,
    ready: () => void,
    marked?: boolean,
  ): Promise<void> | undefined {
    const then = this.#then;
    if (then === undefined) return this.handle(request, clientAddress, marked);
    return then.handleThen(this, request, clientAddress, ready, marked);
  }

  /** `verifyRequest`, `processRequest`: no async frame when both answer at once (`true`, `DONE`). */
  #serve(entry: PipelineRequest<TRequest>): Promise<void> {
    const { request, clientAddress } = entry;
    let processed: Promise<void>;
    try {
      const verdict = this.#server.verifyRequest(request, clientAddress);
      if (verdict !== true) return serveVerifying(this.#failHost, entry, verdict);
      processed = this.#server.processRequest(request, clientAddress);
      if (processed === DONE) {
        endProcessed(this.#failHost, entry);
        return DONE;
      }
    } catch (error) {
      return this.failEntry(entry, error);
    }
    const ran = this.#ran;
    this.#ran = undefined;
    // The sequential strategy's promise for this running request: no second one per request.
    if (processed === ran && this.#runOnlyReleases && entry.phase !== Phase.Begun) return ran;
    return Promise.resolve(processed).then(
      () => endProcessed(this.#failHost, entry),
      (error: unknown) => this.failEntry(entry, error),
    );
  }

  /** `processRequest()`'s default: hands the request to the strategy. */
  dispatch(request: TRequest, clientAddress: SocketAddress): Promise<void> {
    const entry = this.#running.find(request);
    if (entry !== undefined) return this.#run(entry);
    // processRequest() called outside handle(): the request begins here.
    const begun = this.begin(request, clientAddress);
    if (!requestTracing.hasSubscribers) return this.#run(begun);
    return traceRequest(this.#server, this.#strategy.name, begun, () => this.#run(begun));
  }

  /** The strategy runs `entry`, unless it refuses it (`admit`): then it ends `refused`. */
  #run(entry: PipelineRequest<TRequest>): Promise<void> {
    if (this.#strategy.admit?.(entry.clientAddress) !== false) {
      this.#ran = this.#strategy.run(entry);
      return this.#ran;
    }
    return refuseRequest(this.#failHost, entry);
  }

  /** `finishRequest()`'s default: runs the handler here (`pipeline-run-here.ts`). */
  runHandler(request: TRequest, clientAddress: SocketAddress, server: object): Promise<void> {
    return runHere(this, this.#server.connectionUpgrade, request, clientAddress, server);
  }

  /** @internal The entry of a request begun and not yet released. */
  entryOf(request: TRequest): PipelineRequest<TRequest> | undefined {
    return this.#running.find(request);
  }

  /** {@link RequestJob.execute}. */
  execute(entry: PipelineRequest<TRequest>): Promise<void> {
    return new Promise<void>((resolve) => {
      entry.release = resolve;
      this.here.start(entry);
    });
  }

  /** {@link RequestJob.executeThen}. */
  executeThen(entry: PipelineRequest<TRequest>, released: () => void): void {
    entry.release = released;
    this.here.start(entry);
  }

  /** {@link OwnedRun.endOwned}: the lifecycle the run-here path started ended. */
  endOwned(entry: PipelineRequest<TRequest>, error?: unknown): void {
    this.here.endOwned(entry, error);
  }

  /** {@link RequestJob.executeElsewhere}. */
  executeElsewhere(entry: PipelineRequest<TRequest>, stopper: RemoteStopper): void {
    if (entry.phase !== Phase.Begun) return;
    entry.phase = Phase.Running;
    entry.remote = stopper;
    if (entry.cut !== undefined) stopper.cut(entry.cut);
    else if (entry.draining) stopper.drain();
  }

  /** {@link RequestJob.settle}; a `RequestUnservedError` ends it `refused` (see errors.ts). */
  settle(entry: PipelineRequest<TRequest>, error?: unknown): Promise<void> {
    if (entry.phase !== Phase.Running) return DONE;
    if (error === undefined) return this.#succeed(entry);
    // No handler ran and none will: refused, with the error.
    if (error instanceof RequestUnservedError && entry.cut === undefined) {
      return refuseRequest(this.#failHost, entry, error);
    }
    return this.failEntry(entry, error);
  }

  /** The server is closing: every running request, and each one begun from now on, drains. */
  drainAll(): void {
    this.#draining = true;
    for (const entry of this.#running.values()) drainRequest(entry);
  }

  /** Cuts every request not yet ended with `reason`; returns how many. */
  cutAll(reason: Error): number {
    let n = 0;
    for (const entry of this.#running.values()) {
      if (stopRequest(entry, reason, this.failEntry)) n += 1;
    }
    return n;
  }

  /** Resolves once no request is running. */
  whenIdle(): Promise<void> {
    if (this.#running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** @internal Begins a request: its entry, counted as running, `request.start` published. */
  begin(request: TRequest, clientAddress: SocketAddress): PipelineRequest<TRequest> {
    const entry = new PipelineRequest(this, request, clientAddress);
    if (this.#draining) entry.draining = true;
    this.#running.add(entry);
    publishRequestStart(this.#server, entry);
    return entry;
  }

  /** `shutdownRequest`, then the end; synchronous when the transport's side is. */
  #succeed(entry: PipelineRequest<TRequest>): Promise<void> {
    if (entry.phase >= Phase.Ending) return DONE;
    entry.phase = Phase.Ending;
    let ended: void | Promise<void>;
    try {
      ended = this.#server.shutdownRequest(entry.request);
    } catch (error) {
      entry.phase = Phase.Running;
      return this.failEntry(entry, error);
    }
    if (ended === undefined) {
      this.#finished(entry);
      return DONE;
    }
    return ended.then(
      () => this.#finished(entry),
      (error: unknown) => {
        entry.phase = Phase.Running;
        return this.failEntry(entry, error);
      },
    );
  }

  #finished(entry: PipelineRequest<TRequest>): void {
    this.#end(entry, entry.cut, entry.cut === undefined ? 'finished' : 'cut');
  }

  #end(entry: PipelineRequest<TRequest>, error: unknown, outcome: RequestOutcome): void {
    if (entry.phase === Phase.Ended) return;
    entry.phase = Phase.Ended;
    clearTimeout(entry.timer);
    // An owned lifecycle still reads `handler` when handle() settles (finish() runs even after
    // a cut) and clears it itself (owned-lifecycle.ts); the plain one holds its own reference.
    if (!entry.lifecycleHolds) entry.handler = undefined;
    entry.remote = undefined;
    this.#running.remove(entry);
    countOutcome(this.counts, outcome);
    publishRequestEnd(this.#server, entry, error, outcome);
    if (this.#running.size === 0 && this.#idle.length > 0) {
      for (const resolve of this.#idle.splice(0)) resolve();
    }
  }
}
