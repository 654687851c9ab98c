/**
 * One run of `serveForever()`: wait for a strategy slot, take the next request, hand it to
 * the pipeline, run `serviceActions()`; and `serviceActions()` every `pollInterval` ms while
 * idle (Python's `poll_interval`), never while the loop itself runs a request.
 */
import { MarkedTurns } from './marked-turn.js';
import { eventsInLoopScope, serveLoopScope } from './request-context.js';
import { FastLoopHost, type HandleThen, runFast } from './serve-loop-fast.js';
import type { ConcurrencyStrategy } from './strategy.js';
import type { IncomingRequest, ServerTransport } from './transport.js';

/** Options of `serveForever()`. */
export interface ServeForeverOptions {
  /** How often `serviceActions()` runs while idle, in ms (Python's `poll_interval`). Default 500. */
  readonly pollInterval?: number;
  /** Aborting it stops the loop, like `shutdown()` (e.g. `AbortSignal` from a SIGTERM handler). */
  readonly signal?: AbortSignal;
}

/** The state of one `serveForever()`; see the module comment. */
export class ServeLoop {
  readonly #abort = new AbortController();
  readonly #done = Promise.withResolvers<void>();
  readonly #pollInterval: number;
  /** stopRequested, busy, inServiceActions: shared as they are with the fast path. */
  readonly #state: FastLoopHost;
  /** The server whose requests the loop hands over (its request scope: `request-context.ts`). */
  readonly #server: object | undefined;

  /** `server`: the server the loop serves, for its request scope (none: a plain scope). */
  constructor(pollInterval: number, serviceActions: () => void | Promise<void>, server?: object) {
    this.#pollInterval = pollInterval;
    this.#state = new FastLoopHost(this.#abort.signal, serviceActions);
    this.#server = server;
  }

  /** True once `stop()` was called. */
  get stopRequested(): boolean {
    return this.#state.stopRequested;
  }

  /** Resolves once the loop returned. */
  get done(): Promise<void> {
    return this.#done.promise;
  }

  /** Asks the loop to stop: a wait for a slot or a request ends at once. */
  stop(): void {
    this.#state.stopRequested = true;
    this.#abort.abort();
  }

  /** Marks the loop returned. */
  finish(): void {
    this.#done.resolve();
  }

  /**
   * Runs until stopped or the transport has no more requests. `check` throws a fatal error
   * (a ServerExit, an error handleError rethrew) to end the loop; `idleError` gets an error
   * thrown by `serviceActions()` while idle. `handleThen`, when given, is `handle` with a
   * callback, for the fast path (`serve-loop-fast.ts`).
   */
  async run<TRequest>(
    strategy: ConcurrencyStrategy<TRequest>,
    transport: ServerTransport<TRequest>,
    handle: (incoming: IncomingRequest<TRequest>, marked?: boolean) => Promise<void>,
    check: () => void,
    idleError: (error: unknown) => void,
    handleThen?: HandleThen<TRequest>,
  ): Promise<void> {
    const signal = this.#abort.signal;
    const idle = setInterval(() => void this.#idle(idleError), this.#pollInterval);
    try {
      if (transport.takeNext !== undefined) {
        // The fast path (serve-loop-fast.ts: datagrams and streams), over this loop's state;
        // its request scope is made here, in the context serveForever() runs in.
        const server = this.#server;
        this.#state.requestScope = server === undefined ? undefined : serveLoopScope(server);
        this.#state.eventsInScope = server !== undefined && eventsInLoopScope(server, transport);
        this.#state.markedTurns =
          server === undefined ? undefined : MarkedTurns.of(server, strategy as never);
        await runFast(this.#state, strategy, transport, handle, check, handleThen);
        return;
      }
      const state = this.#state;
      while (!state.stopRequested) {
        if (strategy.waitForSlot !== undefined) {
          await strategy.waitForSlot(signal);
          if (state.stopRequested) break;
        }
        const incoming = await transport.take(signal);
        if (incoming === undefined) break;
        state.busy = true;
        try {
          await handle(incoming);
        } finally {
          state.busy = false;
        }
        check();
        await this.#runServiceActions();
      }
    } finally {
      clearInterval(idle);
    }
  }

  async #runServiceActions(): Promise<void> {
    const state = this.#state;
    if (state.inServiceActions) return;
    state.inServiceActions = true;
    try {
      const pending = state.serviceActions();
      if (pending !== undefined) await pending;
    } finally {
      state.inServiceActions = false;
    }
  }

  async #idle(onError: (error: unknown) => void): Promise<void> {
    if (this.#state.busy) return;
    try {
      await this.#runServiceActions();
    } catch (error) {
      onError(error);
    }
  }
}

/**
 * `handleRequest()`'s wait: a strategy slot, then one request, both within one fixed
 * deadline of `timeout` ms (Python's `timeout`; `null` waits for ever). `incoming` is
 * undefined when none came: `timedOut` says whether the deadline passed (Python then calls
 * `handle_timeout()`) or the transport closed.
 */
export async function takeOneRequest<TRequest>(
  strategy: ConcurrencyStrategy<TRequest>,
  transport: ServerTransport<TRequest>,
  timeout: number | null,
): Promise<{ incoming: IncomingRequest<TRequest> | undefined; timedOut: boolean }> {
  const deadline = new AbortController();
  const timer = timeout === null ? undefined : setTimeout(() => deadline.abort(), timeout);
  let incoming: IncomingRequest<TRequest> | undefined;
  try {
    await strategy.waitForSlot?.(deadline.signal);
    incoming = await transport.take(deadline.signal);
  } finally {
    clearTimeout(timer);
  }
  return { incoming, timedOut: incoming === undefined && deadline.signal.aborted };
}
