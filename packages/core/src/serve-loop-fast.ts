/**
 * The serve loop's fast path, for a transport with `takeNext()` (the datagram transports and
 * `NetListenerTransport`, TCP and Unix stream):
 * the same steps as `ServeLoop.run` — a strategy slot, the next request, the pipeline,
 * `check()`, `serviceActions()` — as callbacks instead of awaits. A request arriving while
 * the loop waits for one is handed to the pipeline from the transport's own event, without
 * the queue or a promise round-trip; a step that completes synchronously (a free slot,
 * `serviceActions()` returning nothing) costs no promise.
 */
import { AsyncResource } from 'node:async_hooks';
import type { MarkedTurns } from './marked-turn.js';
import { DONE } from './pipeline-request.js';
import type { ConcurrencyStrategy } from './strategy.js';
import type { IncomingRequest, ServerTransport } from './transport.js';

/**
 * The state of the `ServeLoop` the fast path runs for: plain data fields, read and written on
 * every request — not accessors over the loop's private fields (an object literal's setter
 * was stored through the runtime's slow path, ~0.3 µs a datagram here).
 */
export class FastLoopHost {
  /** True once the loop was asked to stop. */
  stopRequested = false;
  /** True while the loop hands a request over (the idle timer then skips `serviceActions()`). */
  busy = false;
  /** True while `serviceActions()` runs (from the loop or its idle timer). */
  inServiceActions = false;
  /** Aborted when the loop is asked to stop. */
  readonly signal: AbortSignal;
  /** The server's `serviceActions()`. */
  readonly serviceActions: () => void | Promise<void>;
  /**
   * The server's request scope for this run (`request-context.ts`: `serveLoopScope`), made in
   * the context `serveForever()` runs in; `undefined`: a plain scope of that context.
   */
  requestScope: AsyncResource | undefined = undefined;
  /**
   * True when the transport hands requests over from events that already run in such a frame
   * (`eventsInLoopScope`): no scope is entered for them.
   */
  eventsInScope = false;
  /**
   * Says whether a request handed over from an event, in the server's marked frame, may skip
   * the run-here path's probe of the frame (`marked-turn.ts`): set with the server's
   * `requestScope`; `undefined`: never (the handler's run probes the frame).
   */
  markedTurns: MarkedTurns | undefined = undefined;

  constructor(signal: AbortSignal, serviceActions: () => void | Promise<void>) {
    this.signal = signal;
    this.serviceActions = serviceActions;
  }
}

/**
 * `handle` with a callback (`RequestPipeline.handleThen`): returns `undefined` when it will
 * call `ready` once the strategy is ready for the next request (maybe before it returns), or
 * a promise for that, and then never calls `ready`.
 */
export type HandleThen<TRequest> = (
  incoming: IncomingRequest<TRequest>,
  ready: () => void,
  marked?: boolean,
) => Promise<void> | undefined;

/**
 * Runs the loop until it is stopped or the transport has no more requests; rejects with an
 * error `check()` or `serviceActions()` threw, or one escaping `handle()`.
 */
export function runFast<TRequest>(
  host: FastLoopHost,
  strategy: ConcurrencyStrategy<TRequest>,
  transport: ServerTransport<TRequest>,
  handle: (incoming: IncomingRequest<TRequest>, marked?: boolean) => Promise<void>,
  check: () => void,
  handleThen?: HandleThen<TRequest>,
): Promise<void> {
  const signal = host.signal;
  const takeNext = transport.takeNext as NonNullable<ServerTransport<TRequest>['takeNext']>;
  const { promise, resolve, reject } = Promise.withResolvers<void>();
  let ended = false;
  const end = (error?: unknown): void => {
    if (ended) return;
    ended = true;
    host.busy = false;
    if (error === undefined) resolve();
    else reject(error);
  };
  // Set by serve() when take()'s own call handed it a request that completed synchronously:
  // take() then goes on to the next one itself, in a loop instead of a recursion.
  let taking = false;
  let servedNow = false;
  const take = (): void => {
    for (;;) {
      if (host.stopRequested) {
        end();
        return;
      }
      const incoming = takeNext.call(transport, serveFromEvent, signal, end);
      if (incoming === undefined) return;
      taking = true;
      servedNow = false;
      serve(incoming);
      taking = false;
      if (!servedNow || !handledNow()) return;
    }
  };
  const next = (): void => {
    if (host.stopRequested) end();
    else if (strategy.waitForSlot === undefined || strategy.hasFreeSlot?.() === true) take();
    else strategy.waitForSlot(signal).then(take, end);
  };
  const servedActions = (): void => {
    host.inServiceActions = false;
    next();
  };
  const failedActions = (error: unknown): void => {
    host.inServiceActions = false;
    end(error);
  };
  /**
   * After a request: `check()`, then `serviceActions()`. True when both completed synchronously
   * and a slot is free: the caller takes the next request itself.
   */
  const handledNow = (): boolean => {
    host.busy = false;
    if (ended) return false;
    try {
      check();
    } catch (error) {
      end(error);
      return false;
    }
    if (!host.inServiceActions) {
      host.inServiceActions = true;
      let pending: void | Promise<void>;
      try {
        pending = host.serviceActions();
      } catch (error) {
        failedActions(error);
        return false;
      }
      if (pending !== undefined) {
        Promise.resolve(pending).then(servedActions, failedActions);
        return false;
      }
      host.inServiceActions = false;
    }
    if (host.stopRequested) {
      end();
      return false;
    }
    if (strategy.waitForSlot === undefined || strategy.hasFreeSlot?.() === true) return true;
    strategy.waitForSlot(signal).then(take, end);
    return false;
  };
  const handled = (): void => {
    if (handledNow()) take();
  };
  // handleThen's `ready`: while serve() is still in handleThen, it notes that the request was
  // released at once (served synchronously, as DONE); later it goes on to the next request
  // from the release itself, in the loop's context (as a promise reaction would), with no
  // promise, reaction or closure per request.
  let serving = false;
  let readyNow = false;
  const ready = (): void => {
    if (serving) readyNow = true;
    else loopScope.runInAsyncScope(handled);
  };
  // `marked`: handed over from an event in the server's marked frame (marked-turn.ts).
  const serve = (incoming: IncomingRequest<TRequest> | undefined, marked?: boolean): void => {
    if (incoming === undefined) {
      end();
      return;
    }
    host.busy = true;
    let pending: Promise<void> | undefined;
    serving = true;
    readyNow = false;
    try {
      pending =
        handleThen === undefined ? handle(incoming, marked) : handleThen(incoming, ready, marked);
    } catch (error) {
      end(error);
      return;
    } finally {
      serving = false;
    }
    if (pending === undefined) {
      if (!readyNow) return;
      pending = DONE;
    }
    // Served synchronously (the pipeline's DONE): no promise round-trip to the next request.
    if (pending !== DONE) pending.then(handled, end);
    else if (taking) servedNow = true;
    else handled();
  };
  // A request handed over from the transport's event ('connection', 'message') is served in
  // the context the loop runs in, as one taken by the loop itself: a handler sees the async
  // context `serveForever()` was called in, not the listener's. One resource per loop run:
  // the server's request scope when it has one — that context plus the server's mark, so the
  // handler runs in it at once (no second scope, no probe of the context per request; the
  // loop's own hooks for that request then run marked too) — else a plain one. None at all
  // for a hand-over when the transport's events already run in that context plus the mark
  // (`eventsInScope`); a release (`ready`) still enters it.
  // Not AsyncResource.bind(): its variadic wrapper copies the arguments into arrays per call.
  // Either way the event's request then runs marked: `markedTurns` says whether the server's
  // default path runs in between, and the hand-over tells the pipeline so, whose run-here
  // path then skips its probe of the frame (marked-turn.ts).
  const scope = host.requestScope;
  const loopScope = scope ?? new AsyncResource('sockserve.serveLoop');
  const marked = scope === undefined ? undefined : host.markedTurns;
  const serveMarked =
    marked === undefined
      ? serve
      : (incoming: IncomingRequest<TRequest> | undefined): void => serve(incoming, marked.now());
  const serveFromEvent = host.eventsInScope
    ? serveMarked
    : (incoming: IncomingRequest<TRequest> | undefined): void =>
        loopScope.runInAsyncScope(serveMarked, undefined, incoming);
  next();
  return promise;
}
