/**
 * A request handed over from a transport event already runs in its server's request frame
 * (`request-context.ts`: the events of a socket bound marked, or the loop's marked scope), so
 * marking it again only costs a probe: `runInRequestOf()` asked `AsyncLocalStorage.getStore()`
 * (a lookup in the frame's map, ~170 instructions a datagram; issue 11). The serve loop's fast
 * path notes that it hands such a request over (`MarkedTurns.run`); the run-here path takes
 * the note ({@link takeMarkedTurn}) before it builds the handler, and runs the lifecycle
 * without the probe. The note holds only for the synchronous turn of the hand-over, only for
 * the server's own default path in between — `processRequest()` and `finishRequest()` not
 * overridden, a built-in strategy — and is taken once: any other code
 * that could enter a frame without the mark (an override running `super` in a foreign
 * `AsyncResource` scope) never sees it. No Python counterpart.
 */
import { AsyncStrategy } from './async-strategy.js';
import { baseMethod } from './pipeline-execute-here.js';
import { SequentialStrategy } from './sequential-strategy.js';
import type { ConcurrencyStrategy } from './strategy.js';

/** The server whose request the current synchronous turn hands over in its marked frame. */
let marked: object | undefined;

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
   * Calls `fn(arg)` — the hand-over of a request, in the server's marked frame — noting that
   * for the run-here path while `processRequest()` and `finishRequest()` are the defaults
   * (checked at each request: an instance may be given its own).
   */
  run<A>(fn: (arg: A) => void, arg: A): void {
    const server = this.#server;
    if (server.processRequest !== this.#process || server.finishRequest !== this.#finish) {
      fn(arg);
      return;
    }
    const previous = marked;
    marked = server;
    try {
      fn(arg);
    } finally {
      marked = previous;
    }
  }
}

/** True (once) when the current turn was noted as running in `server`'s marked frame. */
export function takeMarkedTurn(server: object): boolean {
  if (marked !== server) return false;
  marked = undefined;
  return true;
}
