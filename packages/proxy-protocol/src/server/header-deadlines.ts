/**
 * The `headerTimeout` deadlines of one server's connections, on ONE timer instead of one per
 * connection. Every deadline is "now + the same timeout", so they come due in the order they
 * were added: a FIFO whose head is always the next to expire. The FIFO is a doubly linked
 * list through the entries themselves (each connection's header read is one, and is reused):
 * adding or cancelling a deadline allocates nothing and cancelling unlinks at once, so a
 * settled read is neither retained nor waited for (an entry object and a closure per
 * connection were ~150 B of a proxied connection's garbage, issue 14). The timer is one
 * `Timeout` with a fixed period (`timeout / 16`, at most 250 ms), re-armed with `refresh()`
 * while deadlines are pending — a fixed period keeps Node on one timer list (a delay computed
 * per arm would create and sort a list per distinct delay). So a stalled connection is closed
 * between `timeout` and `timeout` + one period after it was accepted. Go's go-proxyproto set a
 * deadline per connection and forgot to clear it; here there is nothing on the connection.
 */

// Node's global `performance` is an accessor on globalThis (a getter call per read): imported.
import { performance } from 'node:perf_hooks';

/**
 * Something with a header deadline (one connection's header read): extend it and implement
 * {@link DeadlineEntry.expireDeadline}. The fields are the list's; one entry is in one list
 * at a time, and may be added again once its deadline was cancelled or expired.
 */
export abstract class DeadlineEntry {
  /** @internal `performance.now()` when it expires. */
  deadlineDue = 0;
  /** @internal Neighbours in the list. */
  deadlinePrev: DeadlineEntry | undefined = undefined;
  deadlineNext: DeadlineEntry | undefined = undefined;
  /** @internal In a list now. */
  deadlineListed = false;

  /** Called once if the deadline passes before it is cancelled. */
  abstract expireDeadline(): void;
}

/** Longest period of the shared timer, ms: how late a deadline may fire at most. */
const MAX_PERIOD = 250;

/** The deadlines of one server (one `headerTimeout`), on one timer; see the module comment. */
export class HeaderDeadlines {
  readonly #timeout: number;
  readonly #period: number;
  #first: DeadlineEntry | undefined;
  #last: DeadlineEntry | undefined;
  #size = 0;
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

  /** Starts `entry`'s deadline `timeout` ms from now (a deadline it had is cancelled first). */
  add(entry: DeadlineEntry): void {
    if (entry.deadlineListed) this.cancel(entry);
    entry.deadlineDue = performance.now() + this.#timeout;
    entry.deadlineListed = true;
    entry.deadlinePrev = this.#last;
    entry.deadlineNext = undefined;
    if (this.#last === undefined) this.#first = entry;
    else this.#last.deadlineNext = entry;
    this.#last = entry;
    this.#size += 1;
    if (!this.#armed) this.#arm();
  }

  /** The header arrived (or the connection ended): `entry`'s deadline will not fire. */
  cancel(entry: DeadlineEntry): void {
    if (!entry.deadlineListed) return;
    const { deadlinePrev: prev, deadlineNext: next } = entry;
    if (prev === undefined) this.#first = next;
    else prev.deadlineNext = next;
    if (next === undefined) this.#last = prev;
    else next.deadlinePrev = prev;
    entry.deadlinePrev = undefined;
    entry.deadlineNext = undefined;
    entry.deadlineListed = false;
    this.#size -= 1;
  }

  // One path every time, `refresh()` included: the first add of a server runs all of it.
  // With a branch for "made, not yet fired" V8 optimised `add` (inlined into every
  // connection's header read) before the re-arm after an idle spell had ever run, and the
  // first connection after one deoptimised the read (issue 14: the callgrind bench's counted
  // window started with that deopt, ~2,000 instructions a connection while it tiered up again).
  #arm(): void {
    this.#armed = true;
    this.#timer ??= this.#newTimer();
    this.#timer.refresh();
  }

  #newTimer(): NodeJS.Timeout {
    const timer = setTimeout(() => this.#fire(), this.#period);
    // The connections keep the process alive, not their deadlines.
    timer.unref();
    return timer;
  }

  #fire(): void {
    this.#armed = false;
    const now = performance.now();
    for (let entry = this.#first; entry !== undefined; entry = this.#first) {
      // Timers may fire a little early (the loop's cached clock): within 1 ms counts as due.
      if (entry.deadlineDue > now + 1) break;
      this.cancel(entry);
      entry.expireDeadline();
    }
    if (this.#first !== undefined && !this.#armed) this.#arm();
  }

  /** The entries with a deadline pending, oldest first (a snapshot). */
  entries(): DeadlineEntry[] {
    const out: DeadlineEntry[] = [];
    for (let entry = this.#first; entry !== undefined; entry = entry.deadlineNext) out.push(entry);
    return out;
  }

  /** Deadlines pending (added, not yet cancelled or expired). */
  get size(): number {
    return this.#size;
  }
}
