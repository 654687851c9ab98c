/**
 * The deadline of a graceful close: `serverClose({ timeout })` sets it, a later call with a
 * shorter timeout (a second signal: `serverClose({ timeout: 0 })`) brings it forward, never
 * back. When it passes, `signal` aborts and whatever is still running is cut.
 */

/** A close deadline that can only move earlier; see the module comment. */
export class CloseDeadline {
  readonly #abort = new AbortController();
  #at = Number.POSITIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;

  /** Aborts when the deadline passes. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** True once it passed. */
  get expired(): boolean {
    return this.#abort.signal.aborted;
  }

  /** Resolves when the deadline passes (never, if it never does). */
  get reached(): Promise<void> {
    const signal = this.#abort.signal;
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) =>
      signal.addEventListener('abort', () => resolve(), { once: true }),
    );
  }

  /** Sets the deadline `timeout` ms from now if that is earlier; `null` leaves it as it is. */
  shorten(timeout: number | null): void {
    if (timeout === null || this.expired) return;
    const at = performance.now() + timeout;
    if (at >= this.#at) return;
    this.#at = at;
    clearTimeout(this.#timer);
    if (timeout <= 0) {
      this.#timer = undefined;
      this.#abort.abort();
      return;
    }
    this.#timer = setTimeout(() => this.#abort.abort(), timeout);
  }

  /** Stops the timer (the close is over). */
  dispose(): void {
    clearTimeout(this.#timer);
  }
}
