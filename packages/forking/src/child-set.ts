/**
 * A server's live children and the exits not yet collected: Python's `active_children`
 * and what `collect_children()` reaps. Node reaps exited children itself (there are never
 * zombies), so collecting only forgets their exit statuses; the set also wakes whoever waits
 * for children to exit (`collect({ blocking })`). Which child takes a request, and whether one
 * may start, is the shared runner pool's count alone (`@sockserve/core/remote`).
 */
import { SlotWaiters } from '@sockserve/core/kit';
import type { ChildExit, ChildRunner } from './child-runner.js';

/** Exit statuses kept for `collectChildren()`; older ones are dropped. */
const KEPT_EXITS = 1024;

/** Python's `active_children` set with its `collect_children()`; see the module comment. */
export class ChildSet {
  readonly #live = new Set<ChildRunner>();
  readonly #exits: ChildExit[] = [];
  readonly #changes = new SlotWaiters();

  /** Tracks a child just started; returns it. */
  add(child: ChildRunner): ChildRunner {
    this.#live.add(child);
    return child;
  }

  /** A child became idle, started ending or exited. */
  changed(child: ChildRunner, exit: ChildExit | undefined): void {
    if (exit !== undefined && this.#live.delete(child)) {
      this.#exits.push(exit);
      if (this.#exits.length > KEPT_EXITS) this.#exits.shift();
    }
    this.wakeAll();
  }

  /** The children alive now. */
  live(): ChildRunner[] {
    return [...this.#live];
  }

  /** The oldest child alive, if any. */
  first(): ChildRunner | undefined {
    for (const child of this.#live) return child;
    return undefined;
  }

  /** Children alive now. */
  get size(): number {
    return this.#live.size;
  }

  /** Their pids. */
  get pids(): number[] {
    const pids: number[] = [];
    for (const child of this.#live) if (child.pid !== undefined) pids.push(child.pid);
    return pids;
  }

  /** Resolves once `ready()` holds (re-checked at every change), `stopped()`, or `signal` aborts. */
  waitUntil(ready: () => boolean, stopped: () => boolean, signal?: AbortSignal): Promise<void> {
    return this.#changes.wait(ready, stopped, signal);
  }

  /** Wakes every waiter to re-check its condition. */
  wakeAll(): void {
    this.#changes.wakeAll();
  }

  /**
   * Python's `collect_children()`: the exits since the last call. With `blocking`, first
   * waits until every child that is ending (its one request taken, or told to stop) exited.
   */
  async collect(blocking: boolean): Promise<ChildExit[]> {
    if (blocking) {
      await this.waitUntil(
        () => ![...this.#live].some((child) => child.ending),
        () => false,
      );
    }
    return this.#exits.splice(0);
  }
}
