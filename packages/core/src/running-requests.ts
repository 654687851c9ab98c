/**
 * The requests a pipeline has begun and not yet released, as a list threaded through the
 * entries themselves: adding and removing one allocates nothing (a `Map` keyed by request
 * reallocated its table as requests came and went — ~340 B a datagram under load). A request
 * is found by a walk from the newest: the request the pipeline has just begun comes first; one
 * looked up later (a connection whose TLS handshake just ended) costs a step per request
 * begun after it.
 */

/** What the list threads through: fields of a pipeline entry. */
export interface Listed<TRequest> {
  readonly request: TRequest;
  /** The entry begun just before / after it, while it is listed. */
  older: Listed<TRequest> | undefined;
  newer: Listed<TRequest> | undefined;
}

/** An intrusive list of running requests, newest last; see the module comment. */
export class RunningRequests<TEntry extends Listed<TRequest>, TRequest = TEntry['request']> {
  #oldest: TEntry | undefined;
  #newest: TEntry | undefined;
  #size = 0;

  /** How many are listed. */
  get size(): number {
    return this.#size;
  }

  /** Lists `entry` as the newest. */
  add(entry: TEntry): void {
    entry.older = this.#newest;
    entry.newer = undefined;
    if (this.#newest === undefined) this.#oldest = entry;
    else this.#newest.newer = entry;
    this.#newest = entry;
    this.#size += 1;
  }

  /** Takes `entry` out; false when it was not listed. */
  remove(entry: TEntry): boolean {
    const { older, newer } = entry;
    // Not listed (never, or no more): no neighbour, and not the only one either.
    if (older === undefined && newer === undefined && this.#oldest !== entry) return false;
    if (older === undefined) this.#oldest = newer as TEntry | undefined;
    else older.newer = newer;
    if (newer === undefined) this.#newest = older as TEntry | undefined;
    else newer.older = older;
    entry.older = undefined;
    entry.newer = undefined;
    this.#size -= 1;
    return true;
  }

  /** The newest listed entry for `request`, or `undefined`. */
  find(request: TRequest): TEntry | undefined {
    for (let entry = this.#newest; entry !== undefined; entry = entry.older as TEntry | undefined) {
      if (entry.request === request) return entry;
    }
    return undefined;
  }

  /** The listed entries, oldest first, as an array (safe to change the list while using it). */
  values(): TEntry[] {
    const all: TEntry[] = [];
    for (let entry = this.#oldest; entry !== undefined; entry = entry.newer as TEntry | undefined) {
      all.push(entry);
    }
    return all;
  }
}
