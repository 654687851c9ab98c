/**
 * A bounded FIFO between a transport (which pushes accepted requests) and the serve loop
 * (which takes them). `take()` waits, and can be abandoned through an `AbortSignal` without
 * losing an item: an item is only removed by a taker that is still waiting.
 */

/** A `take()` waiting for an item. */
interface Taker<T> {
  readonly resolve: (item: T | undefined) => void;
  readonly signal: AbortSignal | undefined;
}

/** Bounded queue with abortable `take()`; see the module comment. */
export class RequestQueue<T> {
  readonly #items: T[] = [];
  #head = 0;
  /**
   * The oldest waiting taker, in two fields (no object per wait: the serve loop waits once
   * per request); `#takers` holds those that came after it.
   */
  #first: ((item: T | undefined) => void) | undefined;
  #firstSignal: AbortSignal | undefined;
  readonly #takers: Array<Taker<T>> = [];
  /** Signals already listened to: one abort listener per signal, not one per take(). */
  readonly #watched = new WeakSet<AbortSignal>();
  /**
   * The signal listened to last: the serve loop waits with the same one for every request,
   * which then costs a comparison instead of a `WeakSet` lookup.
   */
  #lastWatched: AbortSignal | undefined;
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

  /** True when {@link offer} would take an item now (a taker waits, or there is room). */
  get hasRoom(): boolean {
    return !this.#stopped && (this.#first !== undefined || this.size < this.capacity);
  }

  /** Hands `item` to a waiting taker or queues it; `false` when full or closed. */
  offer(item: T): boolean {
    if (this.#stopped) return false;
    const taker = this.#first;
    if (taker !== undefined) {
      // Usually the only taker: no shift() of an empty array per item.
      const after = this.#takers.length === 0 ? undefined : this.#takers.shift();
      this.#first = after?.resolve;
      this.#firstSignal = after?.signal;
      taker(item);
      return true;
    }
    if (this.size >= this.capacity) return false;
    this.#items.push(item);
    return true;
  }

  /**
   * Queues `item` even after {@link stopAccepting} (not after {@link close}), past the
   * capacity: an item accepted before the stop and announced after it (`accepted-elsewhere.ts`).
   * While still accepting it is an ordinary {@link offer}.
   */
  offerLate(item: T): boolean {
    if (!this.#stopped) return this.offer(item);
    if (this.#closed) return false;
    this.#items.push(item);
    return true;
  }

  /** The next item; `undefined` when the queue is closed or `signal` aborts first. */
  take(signal?: AbortSignal): Promise<T | undefined> {
    if (this.size > 0) return Promise.resolve(this.#shift());
    if (this.#stopped || signal?.aborted) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#wait(resolve, signal));
  }

  /**
   * {@link take} without a promise: an item waiting now is returned; otherwise `undefined` is
   * returned and `onNext` is called later — synchronously, from the {@link offer} that brings
   * the next item, or with `undefined` once the queue stopped empty, closed, or `signal`
   * aborted. When the queue has already stopped (or `signal` aborted), `onNext(undefined)` is
   * called before this returns.
   */
  takeNext(onNext: (item: T | undefined) => void, signal?: AbortSignal): T | undefined {
    if (this.size > 0) return this.#shift();
    if (this.#stopped || signal?.aborted) onNext(undefined);
    else this.#wait(onNext, signal);
    return undefined;
  }

  #wait(resolve: (item: T | undefined) => void, signal: AbortSignal | undefined): void {
    if (this.#first === undefined) {
      this.#first = resolve;
      this.#firstSignal = signal;
    } else this.#takers.push({ resolve, signal });
    if (signal !== undefined && signal !== this.#lastWatched && !this.#watched.has(signal)) {
      this.#watched.add(signal);
      this.#lastWatched = signal;
      signal.addEventListener('abort', () => this.#abandon(signal), { once: true });
    }
  }

  /** Takers waiting with `signal` give up: they get `undefined`, and no item is lost. */
  #abandon(signal: AbortSignal): void {
    const takers = this.#removeTakers();
    for (const taker of takers)
      if (taker.signal !== signal) this.#wait(taker.resolve, taker.signal);
    for (const taker of takers) if (taker.signal === signal) taker.resolve(undefined);
  }

  /** Every waiting taker, oldest first, removed from the queue. */
  #removeTakers(): Array<Taker<T>> {
    if (this.#first === undefined) return [];
    const takers = [{ resolve: this.#first, signal: this.#firstSignal }, ...this.#takers.splice(0)];
    this.#first = undefined;
    this.#firstSignal = undefined;
    return takers;
  }

  /**
   * Refuses offers from now on; the items waiting stay and are still taken, after which
   * `take()` resolves `undefined` (takers waiting on an empty queue get it at once).
   */
  stopAccepting(): void {
    this.#stopped = true;
    if (this.size === 0) for (const taker of this.#removeTakers()) taker.resolve(undefined);
  }

  /** Closes the queue: waiting takers get `undefined`; returns the items that were waiting. */
  close(): T[] {
    this.#closed = true;
    this.#stopped = true;
    for (const taker of this.#removeTakers()) taker.resolve(undefined);
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
