/**
 * A deadline a {@link StreamReader} arms for each read that waits and disarms when the read
 * ends, kept from one read to the next: the same Node `Timeout` is re-armed with `refresh()`,
 * so a persistent connection with `timeout` / `idleTimeout` set makes no timer object, argument
 * array or async id per request (a `setTimeout` + `clearTimeout` per waiting read did: ~470 B
 * of garbage a request with both set). Between reads the timer stays scheduled but unref'd
 * (it holds no process open) and disarmed: if it fires then, nothing happens. `dispose()`
 * clears it for good (the reader closed). Not exported from the package.
 */

/** What a deadline calls when it passes while armed: its owner, its ms and its tag. */
export type DeadlineCallback<T, Tag> = (owner: T, ms: number, tag: Tag) => void;

/** One reusable deadline; see the module comment. Made the first time its owner arms it. */
export class ReusableDeadline<T, Tag = undefined> {
  readonly #owner: T;
  readonly #onPassed: DeadlineCallback<T, Tag>;
  #timeout: NodeJS.Timeout | undefined;
  /** The ms and tag `#timeout` was made with: re-armed as it is only for the same ones. */
  #ms = -1;
  #tag: Tag | undefined;
  #armed = false;

  constructor(owner: T, onPassed: DeadlineCallback<T, Tag>) {
    this.#owner = owner;
    this.#onPassed = onPassed;
  }

  /** True between `arm()` and `disarm()` (or the deadline passing). */
  get armed(): boolean {
    return this.#armed;
  }

  /** Starts the deadline: `ms` from now, the callback gets `tag`. */
  arm(ms: number, tag: Tag): void {
    const timeout = this.#timeout;
    if (timeout !== undefined && this.#ms === ms && this.#tag === tag) {
      // ref() first: a timer that fired is re-counted by refresh() itself, a pending unref'd
      // one by ref() (see Node's lib/internal/timers.js, insertGuarded).
      timeout.ref();
      timeout.refresh();
    } else {
      clearTimeout(timeout);
      this.#timeout = setTimeout(ReusableDeadline.#fired, ms, this);
      this.#ms = ms;
      this.#tag = tag;
    }
    this.#armed = true;
  }

  /** Stops the deadline; the timer is kept, unref'd, for the next `arm()`. */
  disarm(): void {
    if (!this.#armed) return;
    this.#armed = false;
    (this.#timeout as NodeJS.Timeout).unref();
  }

  /** Clears the timer for good (a later `arm()` makes a new one). */
  dispose(): void {
    this.#armed = false;
    clearTimeout(this.#timeout);
    this.#timeout = undefined;
    this.#ms = -1;
  }

  /** The timer's callback (no closure per deadline): calls back only if still armed. */
  static #fired<T, Tag>(this: void, deadline: ReusableDeadline<T, Tag>): void {
    if (!deadline.#armed) return;
    deadline.#armed = false;
    deadline.#onPassed(deadline.#owner, deadline.#ms, deadline.#tag as Tag);
  }
}
