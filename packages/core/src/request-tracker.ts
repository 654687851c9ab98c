/**
 * The requests a server is running: when each started (for the request.end event's
 * duration) and the stopper of those running in this process, so that a forced close can
 * cut them and a closing server can drain them — including ones that have not started their
 * handler yet (they are cut or drained as they start).
 */
import type { SocketAddress } from './address.js';
import { channels, publish } from './diagnostics.js';
import type { RequestStopper } from './run-request.js';

interface Running {
  readonly clientAddress: SocketAddress;
  readonly started: number;
  stopper: RequestStopper | undefined;
  cut: Error | undefined;
  draining: boolean;
}

/** Running requests of one server; see the module comment. */
export class RequestTracker<TRequest> {
  readonly #server: object;
  readonly #running = new Map<TRequest, Running>();
  #draining = false;

  constructor(server: object) {
    this.#server = server;
  }

  /** Requests started and not ended. */
  get size(): number {
    return this.#running.size;
  }

  /** Records the start of `request`. */
  begin(request: TRequest, clientAddress: SocketAddress): void {
    this.#running.set(request, {
      clientAddress,
      started: performance.now(),
      stopper: undefined,
      cut: undefined,
      draining: this.#draining,
    });
    publish(channels.requestStart, () => ({ server: this.#server, request, clientAddress }));
  }

  /** For `runRequestHandler`'s `onStart`: keeps the stopper, applying a cut or drain already due. */
  attach(request: TRequest): (stopper: RequestStopper) => void {
    return (stopper) => {
      const running = this.#running.get(request);
      if (running === undefined) return;
      running.stopper = stopper;
      if (running.cut !== undefined) stopper.cut(running.cut);
      else if (running.draining) stopper.drain();
    };
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

  /** Cuts every running request with `reason`; returns how many. */
  abortAll(reason: Error): number {
    for (const running of this.#running.values()) {
      running.cut = reason;
      running.stopper?.cut(reason);
    }
    return this.#running.size;
  }

  /** Tells every running request, and those still to start, that the server is closing. */
  drainAll(): void {
    this.#draining = true;
    for (const running of this.#running.values()) {
      running.draining = true;
      running.stopper?.drain();
    }
  }
}
