/**
 * Spare runners kept ahead of demand (Perl Net::Server::PreFork's `min_spare_servers` and
 * `max_spare_servers`): a runner is *spare* when it is alive, will take a request and holds
 * none — starting ones included, since they will be ready before a new one would. Whenever a
 * runner is taken, frees up or ends, the pool asks {@link spareAdjustment} what to do: start
 * runners while fewer than `minSpare` are spare (never past `max` runners alive, the hard cap,
 * which counts runners still finishing their last request), or retire spares beyond
 * `maxSpare` (never below the pool's `min`). Starting happens in the background: while spares
 * are kept, a request waits for the first runner ready to take it rather than being bound to
 * one still starting. A spare that can't load the handler pauses the keeper (`loadFailing`
 * in `runner-pool-sizing.ts`) until a runner loads again. Restart pacing after crashes is not
 * decided here.
 *
 * A start may wait ({@link mayDeferStart}): while a loaded spare is ready for the next request
 * and requests are in flight, a runner's start-up (a Node child burns ~100 ms of CPU before it
 * is ready) would compete for the CPU with those requests — measured on a ready per-request
 * spare (issue 19, `bench/forking-handover.ts`): p50 from connect to answer 14.6 ms with the
 * replacement started at the hand-over, 4.6 ms with it started after the request. The pool
 * bounds the wait (`spareStartDeferral`).
 */

/** What the keeper reads of one runner of the pool. */
export interface SpareView {
  /** Told to stop, or stopping once idle. */
  readonly retiring: boolean;
  /** It announced its exit. */
  readonly dead: boolean;
  /** It loaded the handler. */
  readonly loaded: boolean;
  readonly jobs: { readonly size: number };
  /** Of `jobs`, the silent connections waiting there for first bytes (they take no slot). */
  readonly waiting?: { readonly size: number };
}

/** Jobs taking a slot on `r`: silent connections waiting there for first bytes take none. */
function busyWith(r: SpareView): number {
  return r.jobs.size - (r.waiting?.size ?? 0);
}

/**
 * Alive, taking requests, running none (loading or loaded). A runner holding only silent
 * connections waiting for their first bytes is spare: it takes the next request at once.
 */
export function isSpare(r: SpareView): boolean {
  return !r.retiring && !r.dead && busyWith(r) === 0;
}

/** A spare that holds nothing at all, not even a waiting connection: one that may retire. */
export function isEmptySpare(r: SpareView): boolean {
  return !r.retiring && !r.dead && r.jobs.size === 0;
}

/** Counts `runners` for {@link spareAdjustment}. */
export function takeCensus(runners: Iterable<SpareView>): SpareCensus {
  let spare = 0;
  let serving = 0;
  let alive = 0;
  for (const r of runners) {
    alive += 1;
    if (r.retiring || r.dead) continue;
    serving += 1;
    if (busyWith(r) === 0) spare += 1;
  }
  return { spare, serving, alive };
}

/**
 * True when starting spares may wait for the requests in flight to finish: a runner that
 * loaded the handler is spare (the next request has somewhere to go at once) and some runner
 * runs a request (a start-up now would slow it down); waiting connections run nothing.
 */
export function mayDeferStart(runners: Iterable<SpareView>): boolean {
  let readySpare = false;
  let busy = false;
  for (const r of runners) {
    if (busyWith(r) > 0) busy = true;
    else if (r.loaded && !r.retiring && !r.dead) readySpare = true;
    if (readySpare && busy) return true;
  }
  return false;
}

/** True when a runner that loaded the handler would take one more request now. */
export function readyWithRoom(runners: Iterable<SpareView>, maxPerRunner: number): boolean {
  for (const r of runners)
    if (r.loaded && !r.retiring && !r.dead && busyWith(r) < maxPerRunner) return true;
  return false;
}

/** What the pool looks like now, for {@link spareAdjustment}. */
export interface SpareCensus {
  /** Runners that will take a request and hold none (loading or loaded). */
  readonly spare: number;
  /** Runners that will take requests (spare or busy), not retiring nor exiting. */
  readonly serving: number;
  /** Runners alive in any state (starting, serving, retiring): what the hard cap counts. */
  readonly alive: number;
}

/** The pool's spare bounds. */
export interface SpareBounds {
  /** Spares to keep ready; 0 turns the keeper off (runners start on demand). */
  readonly minSpare: number;
  /** Spares above this retire at once (Infinity: only `idleTimeout` trims them). */
  readonly maxSpare: number;
  /** Runners alive at most (`maxChildren`, `maxWorkers`). */
  readonly max: number;
  /** Runners kept even when idle (the pool's `min`). */
  readonly min: number;
}

/** How many runners to start and how many spares to retire; at most one of them is non-zero. */
export interface SpareChange {
  readonly start: number;
  readonly retire: number;
}

/** What the pool does to keep its spares within bounds; see the module comment. */
export function spareAdjustment(census: SpareCensus, bounds: SpareBounds): SpareChange {
  if (census.spare < bounds.minSpare) {
    const room = Math.max(0, bounds.max - census.alive);
    return { start: Math.min(bounds.minSpare - census.spare, room), retire: 0 };
  }
  if (census.spare > bounds.maxSpare) {
    const keep = Math.max(0, census.serving - bounds.min);
    return { start: 0, retire: Math.min(census.spare - bounds.maxSpare, keep) };
  }
  return { start: 0, retire: 0 };
}

/**
 * Whether an idle runner may retire after `idleTimeout`: only when the pool keeps more than
 * `min` serving and more than `minSpare` spare — otherwise the keeper would start a new one
 * at once to replace it.
 */
export function mayIdleOut(census: SpareCensus, bounds: SpareBounds): boolean {
  return census.serving > bounds.min && census.spare > bounds.minSpare;
}

/** How many runners a pool starts up front: `min` and `minSpare` (at least one, so a handler that can't load fails at start-up), within `max`. */
export function initialRunners(bounds: SpareBounds): number {
  return Math.min(bounds.max, Math.max(1, bounds.min, bounds.minSpare));
}
