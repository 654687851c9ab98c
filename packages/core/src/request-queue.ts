/**
 * A bounded FIFO between a transport (which pushes accepted requests) and the serve loop
 * (which takes them). `take()` waits, and can be abandoned through an `AbortSignal` without
 * losing an item: an item is only removed by a taker that is still waiting.
 */

/** Bounded queue with abortable `take()`; see the module comment. */
export class RequestQueue<T> {
  readonly #items: T[] = [];
  #head = 0;
  readonly #takers: Array<(item: T | undefined) => void> = [];
  #closed = false;
  #stopped = false;

  /** How many items may wait before `offer()` refuses. */
  readonly capacity: number;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  /** Items waiting. */
  get size(): number {
    return this.#items.length - this.#head;
  }

  /** True once {@link close} ran: offers are refused and takers get `undefined`. */
  get closed(): boolean {
    return this.#closed;
  }

  /** True once {@link stopAccepting} (or {@link close}) ran: offers are refused. */
  get accepting(): boolean {
    return !this.#stopped;
  }

  /** Hands `item` to a waiting taker or queues it; `false` when full or closed. */
  offer(item: T): boolean {
    if (this.#stopped) return false;
    const taker = this.#takers.shift();
    if (taker !== undefined) {
      taker(item);
      return true;
    }
    if (this.size >= this.capacity) return false;
    this.#items.push(item);
    return true;
  }

  /** The next item; `undefined` when the queue is closed or `signal` aborts first. */
  take(signal?: AbortSignal): Promise<T | undefined> {
    if (this.size > 0) return Promise.resolve(this.#shift());
    if (this.#stopped || signal?.aborted) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const onAbort = () => {
        const index = this.#takers.indexOf(taker);
        if (index >= 0) this.#takers.splice(index, 1);
        resolve(undefined);
      };
      const taker = (item: T | undefined) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(item);
      };
      this.#takers.push(taker);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Refuses offers from now on; the items waiting stay and are still taken, after which
   * `take()` resolves `undefined` (takers waiting on an empty queue get it at once).
   */
  stopAccepting(): void {
    this.#stopped = true;
    if (this.size === 0) for (const taker of this.#takers.splice(0)) taker(undefined);
  }

  /** Closes the queue: waiting takers get `undefined`; returns the items that were waiting. */
  close(): T[] {
    this.#closed = true;
    this.#stopped = true;
    for (const taker of this.#takers.splice(0)) taker(undefined);
    const rest = this.#items.slice(this.#head);
    this.#items.length = 0;
    this.#head = 0;
    return rest;
  }

  #shift(): T {
    const item = this.#items[this.#head] as T;
    this.#items[this.#head] = undefined as T;
    this.#head += 1;
    if (this.#head === this.#items.length) {
      this.#items.length = 0;
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items.splice(0, this.#head);
      this.#head = 0;
    }
    return item;
  }
}
