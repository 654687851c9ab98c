/**
 * The request pipeline's sequential fast path: the serve loop's `handleThen` when nothing
 * needs a promise per request. With the built-in sequential strategy (Python's plain
 * `TCPServer`: one request at a time, in the loop), the default `processRequest()`, no
 * `admit()` and no tracing subscriber, a request whose `verifyRequest()` answers `true` at
 * once goes straight to `SequentialStrategy.runThen`, and the loop is told by callback
 * (`ready`, the same function for every request) once it was released — no promise, reaction
 * or closure per request. Anything else takes the pipeline's `handle()`, as before.
 */
import type { SocketAddress } from './address.js';
import { requestTracing } from './diagnostics.js';
import { baseMethod } from './pipeline-execute-here.js';
import type { PipelineRequest } from './pipeline-request.js';
import { serveVerifying, type VerifyingHost } from './pipeline-verifying.js';
import { SequentialStrategy } from './sequential-strategy.js';
import type { ConcurrencyStrategy } from './strategy.js';

/** What the fast path needs of its pipeline (`RequestPipeline`). */
export interface SequentialThenHost<TRequest> {
  /** The pipeline's `handle()`: the way of every request the fast path does not take. */
  handle(request: TRequest, clientAddress: SocketAddress, marked?: boolean): Promise<void>;
  /** Begins a request: its entry, counted as running, `request.start` published. */
  begin(request: TRequest, clientAddress: SocketAddress): PipelineRequest<TRequest>;
}

/** The fast path of one pipeline whose strategy is the built-in sequential one; see the module comment. */
export class SequentialThen<TRequest> {
  readonly #host: VerifyingHost<TRequest>;
  /** The strategy (a subclass may add `admit()`, which takes it off the fast path). */
  readonly #sequential: SequentialStrategy<TRequest> & ConcurrencyStrategy<TRequest>;
  /** The `processRequest()` the server's base class defines: the default. */
  readonly #defaultProcess: unknown;

  /** The fast path for `strategy`, or undefined when it is not the built-in sequential one. */
  static of<TRequest>(
    host: VerifyingHost<TRequest>,
    strategy: ConcurrencyStrategy<TRequest>,
  ): SequentialThen<TRequest> | undefined {
    if (
      strategy.run !== SequentialStrategy.prototype.run ||
      (strategy as Partial<SequentialStrategy<TRequest>>).runThen !==
        SequentialStrategy.prototype.runThen
    )
      return undefined;
    return new SequentialThen(host, strategy as SequentialStrategy<TRequest>);
  }

  private constructor(host: VerifyingHost<TRequest>, sequential: SequentialStrategy<TRequest>) {
    this.#host = host;
    this.#sequential = sequential;
    this.#defaultProcess = baseMethod(host.server, 'processRequest');
  }

  /**
   * `RequestPipeline.handleThen`: `ready` is called once the request was released (maybe
   * before this returns), and this returns `undefined`; or, off the fast path, it returns
   * `pipeline.handle()`'s promise and never calls `ready`. `marked`: as `handle()`'s.
   */
  handleThen(
    pipeline: SequentialThenHost<TRequest>,
    request: TRequest,
    clientAddress: SocketAddress,
    ready: () => void,
    marked?: boolean,
  ): Promise<void> | undefined {
    const host = this.#host;
    const server = host.server;
    if (
      this.#sequential.admit !== undefined ||
      server.processRequest !== this.#defaultProcess ||
      requestTracing.hasSubscribers
    )
      return pipeline.handle(request, clientAddress, marked);
    const entry = pipeline.begin(request, clientAddress);
    // For this synchronous turn only (see RequestPipeline.handle).
    if (marked === true) entry.markedTurn = true;
    try {
      let verdict: boolean | Promise<boolean>;
      try {
        verdict = server.verifyRequest(request, clientAddress);
      } catch (error) {
        return host.failEntry(entry, error);
      }
      if (verdict !== true) return serveVerifying(host, entry, verdict);
      // What the default processRequest() does (dispatch → the strategy), minus the promise.
      this.#sequential.runThen(entry, ready);
      return undefined;
    } finally {
      if (marked === true) entry.markedTurn = false;
    }
  }
}
