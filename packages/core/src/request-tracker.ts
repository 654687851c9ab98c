/**
 * The requests a server is running in this process: when each started (for the request.end
 * event's duration) and the `AbortController` behind its handler's `signal`, so that a
 * deadline or a forced close can cut it.
 */
import type { SocketAddress } from './address.js';
import { channels, publish } from './diagnostics.js';

interface Running {
  readonly clientAddress: SocketAddress;
  readonly started: number;
  readonly controller: AbortController;
  readonly drain: AbortController;
}

/** Running requests of one server; see the module comment. */
export class RequestTracker<TRequest> {
  readonly #server: object;
  readonly #running = new Map<TRequest, Running>();

  constructor(server: object) {
    this.#server = server;
  }

  /** Requests started and not ended. */
  get size(): number {
    return this.#running.size;
  }

  /** Records the start of `request`; returns the signal its handler gets. */
  begin(request: TRequest, clientAddress: SocketAddress): AbortSignal {
    const controller = new AbortController();
    const drain = new AbortController();
    this.#running.set(request, { clientAddress, started: performance.now(), controller, drain });
    publish(channels.requestStart, () => ({ server: this.#server, request, clientAddress }));
    return controller.signal;
  }

  /** The signal of a running request (a fresh never-aborted one if it is not tracked). */
  signalOf(request: TRequest): AbortSignal {
    return this.#running.get(request)?.controller.signal ?? new AbortController().signal;
  }

  /** The drain signal of a running request: aborted when the server starts closing. */
  drainSignalOf(request: TRequest): AbortSignal {
    return this.#running.get(request)?.drain.signal ?? new AbortController().signal;
  }

  /** Tells every running request the server is closing (idle connections end at their next wait). */
  drainAll(): void {
    for (const { drain } of this.#running.values()) drain.abort();
  }

  /** Records the end of `request` (idempotent). */
  end(request: TRequest, error?: unknown): void {
    const running = this.#running.get(request);
    if (running === undefined) return;
    this.#running.delete(request);
    publish(channels.requestEnd, () => ({
      server: this.#server,
      request,
      clientAddress: running.clientAddress,
      durationMs: performance.now() - running.started,
      error,
    }));
  }

  /** Aborts every running request's signal with `reason`; returns how many. */
  abortAll(reason: Error): number {
    for (const { controller } of this.#running.values()) controller.abort(reason);
    return this.#running.size;
  }
}
