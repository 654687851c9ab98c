/**
 * What `serverClose()` resolves with: how every request the server accepted since it was
 * bound ended. At every close `accepted = finished + cut + refused + dropped + detached`.
 */
import type { PipelineCounts } from './pipeline-server.js';
import type { TransportStats } from './transport.js';

/** Options of `serverClose()`. */
export interface ServerCloseOptions {
  /**
   * ms the close may take: requests already accepted (running, and those still queued in the
   * transport) are served meanwhile; when it runs out the running ones are cut (their
   * handlers' `signal` aborts and their connections close) and the queued ones dropped.
   * Default: wait for ever. A later call with a shorter timeout brings the deadline forward
   * (`serverClose({ timeout: 0 })` on a second signal cuts at once); every call resolves with
   * the same report.
   */
  readonly timeout?: number;
}

/** How the requests a server accepted ended, as of its close; see the module comment. */
export interface CloseReport {
  /** Requests the transport accepted since bind (connections; datagrams kept). */
  readonly accepted: number;
  /** Requests that ran to their end (those whose handler raised included; see `failed`). */
  readonly finished: number;
  /** Of `finished`: the handler or a hook raised, and `handleError()` got the error. */
  readonly failed: number;
  /**
   * Requests cut by the close: running when its timeout ran out (a zero timeout: at once), or
   * not waited for under `daemonThreads`. Their `request.end` event carries a `RequestCutError`.
   */
  readonly cut: number;
  /** Requests `verifyRequest()` refused, or the strategy did (a client backing off after its requests crashed workers or children). (Not the transport's `stats.refused`: those were never accepted.) */
  readonly refused: number;
  /** Requests accepted and still queued when the close ran out of time: released unserved. */
  readonly dropped: number;
  /**
   * Requests still running when `serverClose()` resolved, not waited for: `blockOnClose:
   * false` (Python's non-daemon threads) or a close from inside a handler. They finish in the
   * background; their `request.end` events follow.
   */
  readonly detached: number;
}

/** Builds the report from the pipeline's counts and the transport's counters. */
export function closeReport(
  counts: Readonly<PipelineCounts>,
  stats: Readonly<TransportStats>,
  detached: number,
): CloseReport {
  return {
    accepted: stats.accepted,
    finished: counts.finished,
    failed: counts.failed,
    cut: counts.cut,
    refused: counts.refused,
    dropped: stats.dropped,
    detached,
  };
}
