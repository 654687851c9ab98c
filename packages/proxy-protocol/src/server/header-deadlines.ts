/**
 * The `headerTimeout` deadlines of one server's connections, on ONE timer instead of one per
 * connection. Every deadline is "now + the same timeout", so they come due in the order they
 * were added: a FIFO whose head is always the next to expire. Adding is an array push;
 * cancelling (the header arrived) just marks the entry. The timer is one `Timeout` with a
 * fixed period (`timeout / 16`, at most 250 ms), re-armed with `refresh()` while deadlines
 * are pending — a fixed period keeps Node on one timer list (a delay computed per arm would
 * create and sort a list per distinct delay). So a stalled connection is closed between
 * `timeout` and `timeout` + one period after it was accepted. Go's go-proxyproto set a
 * deadline per connection and forgot to clear it; here there is nothing on the connection.
 */

/** One connection's deadline: call {@link HeaderDeadlines.cancel} once its header is read. */
export interface HeaderDeadline {
  /** `performance.now()` when it expires. */
  readonly due: number;
  /** Called once if the deadline passes first. */
  onExpire: (() => void) | undefined;
}

/** Longest period of the shared timer, ms: how late a deadline may fire at most. */
const MAX_PERIOD = 250;

/** The deadlines of one server (one `headerTimeout`), on one timer; see the module comment. */
export class HeaderDeadlines {
  readonly #timeout: number;
  readonly #period: number;
  #entries: HeaderDeadline[] = [];
  #head = 0;
  #timer: NodeJS.Timeout | undefined;
  #armed = false;

  /** `timeout`: ms from {@link add} to expiry. */
  constructor(timeout: number) {
    this.#timeout = timeout;
    this.#period = Math.max(1, Math.min(MAX_PERIOD, Math.ceil(timeout / 16)));
  }

  /** The timer's period: a deadline fires at most this much late (plus the loop's own delay). */
  get period(): number {
    return this.#period;
  }

  /** Starts a deadline `timeout` ms from now; `onExpire` runs if it is not cancelled first. */
  add(onExpire: () => void): HeaderDeadline {
    const entry: HeaderDeadline = { due: performance.now() + this.#timeout, onExpire };
    this.#entries.push(entry);
    if (!this.#armed) this.#arm();
    return entry;
  }

  /** The header arrived (or the connection ended): the deadline will not fire. */
  cancel(entry: HeaderDeadline): void {
    entry.onExpire = undefined;
  }

  #arm(): void {
    this.#armed = true;
    if (this.#timer === undefined) {
      this.#timer = setTimeout(() => this.#fire(), this.#period);
      // The connections keep the process alive, not their deadlines.
      this.#timer.unref();
    } else {
      this.#timer.refresh();
    }
  }

  #fire(): void {
    this.#armed = false;
    const now = performance.now();
    const entries = this.#entries;
    while (this.#head < entries.length) {
      const entry = entries[this.#head]!;
      // Timers may fire a little early (the loop's cached clock): within 1 ms counts as due.
      if (entry.onExpire !== undefined && entry.due > now + 1) break;
      this.#head += 1;
      const expire = entry.onExpire;
      entry.onExpire = undefined;
      expire?.();
    }
    if (this.#head === entries.length) {
      this.#entries = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > entries.length) {
      this.#entries = entries.slice(this.#head);
      this.#head = 0;
    }
    if (this.#head < this.#entries.length && !this.#armed) this.#arm();
  }

  /** Deadlines not yet fired or passed over (a cancelled one counts until the timer passes it). */
  get size(): number {
    return this.#entries.length - this.#head;
  }
}
