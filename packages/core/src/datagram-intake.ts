/**
 * What every datagram transport does with a datagram it received: drop it when it is larger
 * than `maxPacketSize` (counted in `stats.oversized`; Python would hand the handler a
 * silently truncated prefix), drop it when the request queue is full (counted in
 * `stats.refused`; a datagram server can't push back), otherwise queue it for the serve loop.
 */
import { RequestQueue } from './request-queue.js';
import type { DatagramRequest, IncomingRequest, TransportStats } from './transport.js';

/** Bounded intake of datagrams; see the module comment. */
export class DatagramIntake<TRequest extends DatagramRequest = DatagramRequest> {
  /** Counters, shared with the transport's `stats`. */
  readonly stats: TransportStats = { accepted: 0, refused: 0, oversized: 0, dropped: 0 };
  readonly #queue: RequestQueue<IncomingRequest<TRequest>>;
  readonly #maxPacketSize: number;

  constructor(capacity: number, maxPacketSize: number) {
    this.#queue = new RequestQueue(capacity);
    this.#maxPacketSize = maxPacketSize;
  }

  /** Offers a received datagram of `size` bytes; `make` builds the request only if it is kept. */
  offer(size: number, make: () => IncomingRequest<TRequest>): void {
    if (size > this.#maxPacketSize) {
      this.stats.oversized += 1;
    } else if (this.#queue.accepting && this.#queue.offer(make())) {
      this.stats.accepted += 1;
    } else {
      this.stats.refused += 1;
    }
  }

  /** The next datagram, or `undefined` once closed or when `signal` aborts. */
  take(signal?: AbortSignal): Promise<IncomingRequest<TRequest> | undefined> {
    return this.#queue.take(signal);
  }

  /** Takes no more datagrams; those queued are still handed out by `take()`. */
  stopAccepting(): void {
    this.#queue.stopAccepting();
  }

  /** Stops the intake; datagrams still waiting are dropped (counted in `stats.dropped`). */
  close(): void {
    this.stats.dropped += this.#queue.close().length;
  }
}
