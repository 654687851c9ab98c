/**
 * What every datagram transport does with a datagram it received: drop it when it is larger
 * than `maxPacketSize` (counted in `stats.oversized`; Python would hand the handler a
 * silently truncated prefix), drop it when the request queue is full (counted in
 * `stats.refused`; a datagram server can't push back), otherwise hand it to the serve loop —
 * straight away when the loop waits for one (no queue, no promise), else through the queue.
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

  /**
   * Whether a datagram of `size` bytes is kept: false (and counted in `stats.oversized` or
   * `stats.refused`) when it is too large or nothing can take it now. When true, hand it over
   * with {@link accept} at once — no closure per datagram to build it.
   */
  admits(size: number): boolean {
    if (size > this.#maxPacketSize) {
      this.stats.oversized += 1;
      return false;
    }
    if (!this.#queue.hasRoom) {
      this.stats.refused += 1;
      return false;
    }
    return true;
  }

  /**
   * Hands over a datagram {@link admits} just kept: counted in `stats.accepted` first, then
   * given to a waiting taker — which may start serving it before this returns (the serve
   * loop's fast path) — or queued.
   */
  accept(incoming: IncomingRequest<TRequest>): void {
    this.stats.accepted += 1;
    if (!this.#queue.offer(incoming)) {
      // Not reached after admits() said yes; counted as refused rather than lost.
      this.stats.accepted -= 1;
      this.stats.refused += 1;
    }
  }

  /** Offers a received datagram of `size` bytes; `make` builds the request only if it is kept. */
  offer(size: number, make: () => IncomingRequest<TRequest>): void {
    if (this.admits(size)) this.accept(make());
  }

  /** The next datagram, or `undefined` once closed or when `signal` aborts. */
  take(signal?: AbortSignal): Promise<IncomingRequest<TRequest> | undefined> {
    return this.#queue.take(signal);
  }

  /** {@link take} without a promise; see `RequestQueue.takeNext`. */
  takeNext(
    onNext: (incoming: IncomingRequest<TRequest> | undefined) => void,
    signal?: AbortSignal,
  ): IncomingRequest<TRequest> | undefined {
    return this.#queue.takeNext(onNext, signal);
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
