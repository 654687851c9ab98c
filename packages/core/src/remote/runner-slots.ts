/**
 * The handler slots of one runner, kept by the runner itself when silent connections may wait
 * there (issue 20: `RunnerInit.slots`). The server's pool bounds what it hands each runner
 * (`maxPerRunner`), but a silent connection moved to a worker takes a slot only when it speaks —
 * in the worker, where many waiting ones can speak at once, and before the server hears of it.
 * So the runner admits handlers here: at most `slots` run at once, and a connection whose first
 * bytes came while they are all taken waits (its socket untouched, its bytes buffered) until
 * one ends, first come first served. A request the server sent meanwhile on a stale count waits
 * its turn the same way. Why not a `go` message from the server: under the command's defaults
 * every connection moves silent, and a round trip to the main thread before each handler would
 * cost every request a hop; the runner knows its own count exactly. The server does hear which
 * requests wait (`slot-wait`, then `slot-start`; only when every slot is taken), so that a
 * runner dying meanwhile ends them unserved, not failed.
 */
import type { FromRunner } from './protocol.js';

/** What {@link RunnerSlots} tells the server: a request waits for a slot, or took one. */
export type SlotMessage = Extract<FromRunner, { t: 'slot-wait' | 'slot-start' }>;

/** See the module comment. */
export class RunnerSlots {
  readonly #limit: number;
  /** Requests holding a slot. */
  readonly #taken = new Set<number>();
  /** Requests waiting for one, oldest first: how to start each and how to end it unstarted. */
  readonly #queue = new Map<number, { start: () => void; cancel: () => void }>();

  readonly #tell: (message: SlotMessage) => void;

  /**
   * `limit`: handlers at once (undefined: no bound kept here, every request starts at once);
   * `tell` posts to the server.
   */
  constructor(limit: number | undefined, tell: (message: SlotMessage) => void) {
    this.#limit = limit ?? Number.POSITIVE_INFINITY;
    this.#tell = tell;
  }

  /**
   * Starts request `id` now when a slot is free, else once one is. `cancel` ends it if a cut
   * comes while it waits; without it (a relayed stream, whose bytes can't wait) it starts now.
   */
  enter(id: number, start: () => void, cancel?: () => void): void {
    if (this.#limit === Number.POSITIVE_INFINITY) {
      start();
      return;
    }
    if (this.#taken.size < this.#limit || cancel === undefined) {
      this.#taken.add(id);
      start();
    } else {
      this.#queue.set(id, { start, cancel });
      this.#tell({ t: 'slot-wait', id });
    }
  }

  /** Request `id` ended: its slot goes to the oldest waiting one. */
  leave(id: number): void {
    if (!this.#taken.delete(id)) return;
    for (const [next, waiting] of this.#queue) {
      if (this.#taken.size >= this.#limit) return;
      this.#queue.delete(next);
      this.#taken.add(next);
      this.#tell({ t: 'slot-start', id: next });
      waiting.start();
    }
  }

  /** True when request `id` waits for a slot. */
  waits(id: number): boolean {
    return this.#queue.has(id);
  }

  /** Ends request `id` if it waits for a slot (a cut): false when it doesn't. */
  cancel(id: number): boolean {
    const waiting = this.#queue.get(id);
    if (waiting === undefined) return false;
    this.#queue.delete(id);
    waiting.cancel();
    return true;
  }
}
