/**
 * Callers waiting for capacity (a free slot in a strategy or pool): `wait()` resolves when
 * `hasSlot()` holds, the signal aborts, or `wakeAll()` says to stop waiting (a close).
 */

/** @internal A queue of waiters for capacity; see the module comment. */
export class SlotWaiters {
  readonly #waiters: Array<() => void> = [];

  /** Waits until `hasSlot()` (re-checked after each wake), `stopped()`, or `signal` aborts. */
  async wait(hasSlot: () => boolean, stopped: () => boolean, signal?: AbortSignal): Promise<void> {
    while (!hasSlot() && !stopped() && !signal?.aborted) {
      await new Promise<void>((resolve) => {
        const wake = () => {
          signal?.removeEventListener('abort', wake);
          const index = this.#waiters.indexOf(wake);
          if (index >= 0) this.#waiters.splice(index, 1);
          resolve();
        };
        this.#waiters.push(wake);
        signal?.addEventListener('abort', wake, { once: true });
      });
    }
  }

  /** Wakes the longest waiter (a slot freed). */
  wakeOne(): void {
    this.#waiters[0]?.();
  }

  /** Wakes every waiter (slots freed, or closing). */
  wakeAll(): void {
    for (const wake of [...this.#waiters]) wake();
  }
}
