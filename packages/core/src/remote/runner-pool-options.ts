/** The settings of a `RunnerPool` and what it calls back (see `runner-pool.ts`). */
import type { GrowAfter } from './pool-growth.js';
import type { BackoffNotice } from './restart-policy.js';

/** Pool sizing, cut grace, spares and the crash policy's timings. */
export interface RunnerPoolOptions {
  readonly min: number;
  readonly max: number;
  readonly maxPerRunner: number;
  readonly idleTimeout: number;
  /** Retire a runner after this many requests (Infinity: never). */
  readonly recycleAfter: number;
  /** ms a cut request's runner may take to answer before it is killed. Default 2000. */
  readonly cutGrace?: number;
  /** Idle runners kept ready ahead of demand, started in the background as they are taken. Default 0: on demand. */
  readonly minSpare?: number;
  /**
   * ms a spare's start may wait while a loaded spare is ready and requests are in flight, so
   * its start-up doesn't compete with them for the CPU (see `mayDeferStart`); it starts when
   * they finished or this passed. Default 0: spares start at once.
   */
  readonly spareStartDeferral?: number;
  /**
   * ms the pool waits with no loaded runner idle before it starts one beyond its floor
   * (`min`, `minSpare`, one); `'startup'`: its runners' measured start-up time (median of the
   * last five). Default 0: at once. See `pool-growth.ts`.
   */
  readonly growAfter?: GrowAfter;
  /** Idle runners above this retire at once. Default Infinity: only `idleTimeout` trims them. */
  readonly maxSpare?: number;
  /** ms a client backs off after 5 crashes in a row, and between starts after 5 unexplained ones; 0: off. Default 1000. */
  readonly crashBackoff?: number;
  /** ms without a crash after which a row of crashes starts again. Default 10000. */
  readonly crashResetAfter?: number;
  /** The crash policy's clock in ms (default `performance.now`); tests pass their own. */
  readonly now?: () => number;
  /**
   * A request goes to a loaded runner with room before one still starting with fewer
   * requests (issue 20: it waited for the starting one's handler to load). Worker threads,
   * which interleave many requests, want it; child processes keep spreading requests over
   * children (a crash takes every request of its child). Default false.
   */
  readonly preferLoaded?: boolean;
}

/** What a `RunnerPool` calls back. */
export interface RunnerPoolHooks {
  /** A handler in a runner called `this.server.shutdown()`; resolves once the server stopped. */
  shutdown: () => Promise<void>;
  /** A runner died unexpectedly (`reason`: how). */
  crashed: (runner: string, reason: string) => void;
  /** A client or the pool's starts back off after a crash loop. */
  backoff?: (notice: BackoffNotice, runner: string) => void;
}
