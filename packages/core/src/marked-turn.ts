/**
 * A request handed over from a transport event already runs in its server's request frame
 * (`request-context.ts`: the events of a socket bound marked, or the loop's marked scope), so
 * marking it again only costs a probe: `runInRequestOf()` asked `AsyncLocalStorage.getStore()`
 * (a lookup in the frame's map, ~170 instructions a datagram; issue 11). The serve loop's fast
 * path asks {@link MarkedTurns.now} at such a hand-over and passes the answer with the request
 * (`handle(incoming, marked)`); the pipeline keeps it on the request's entry
 * (`PipelineRequest.markedTurn`) for the synchronous turn of the hand-over only, and the
 * run-here path takes it before it builds the handler and runs the lifecycle without the
 * probe. It holds only for the server's own default path in between — `processRequest()` and
 * `finishRequest()` not overridden, a built-in strategy — so any other code that could enter
 * a frame without the mark (an override running `super` in a foreign `AsyncResource` scope)
 * never sees it. No Python counterpart.
 */
import { AsyncStrategy } from './async-strategy.js';
import { baseMethod } from './pipeline-execute-here.js';
import { SequentialStrategy } from './sequential-strategy.js';
import type { ConcurrencyStrategy } from './strategy.js';

/** One serve loop's hand-overs of `server`'s requests, each in the server's marked frame. */
export class MarkedTurns {
  readonly #server: { processRequest?: unknown; finishRequest?: unknown };
  /** `BaseServer`'s own `processRequest()` and `finishRequest()`: the defaults. */
  readonly #process: unknown;
  readonly #finish: unknown;

  private constructor(server: object) {
    this.#server = server;
    this.#process = baseMethod(server, 'processRequest');
    this.#finish = baseMethod(server, 'finishRequest');
  }

  /** For a loop of `server` under `strategy`; `undefined` unless the strategy is a built-in one. */
  static of(server: object, strategy: ConcurrencyStrategy<never>): MarkedTurns | undefined {
    const run = strategy.run;
    if (run !== AsyncStrategy.prototype.run && run !== SequentialStrategy.prototype.run)
      return undefined;
    return new MarkedTurns(server);
  }

  /**
   * True when a request handed over now, in the server's marked frame, may skip the run-here
   * path's probe: `processRequest()` and `finishRequest()` are the defaults (checked at each
   * request: an instance may be given its own).
   */
  now(): boolean {
    const server = this.#server;
    return server.processRequest === this.#process && server.finishRequest === this.#finish;
  }
}
