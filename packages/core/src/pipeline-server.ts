/**
 * What the request pipeline needs from its server, and what it counts: Python's per-request
 * hooks (`verify_request`, `process_request`, `finish_request`, `shutdown_request`,
 * `handle_error`), called through {@link PipelineServer} so subclasses' overrides apply, and
 * how the released requests ended.
 */
import type { SocketAddress } from './address.js';
import type { ConnectionUpgrade } from './connection-upgrade.js';
import type { RequestOutcome } from './request-events.js';

/** The server methods the pipeline calls: Python's per-request hooks. */
export interface PipelineServer<TRequest> {
  verifyRequest(request: TRequest, clientAddress: SocketAddress): boolean | Promise<boolean>;
  processRequest(request: TRequest, clientAddress: SocketAddress): Promise<void>;
  finishRequest(request: TRequest, clientAddress: SocketAddress): Promise<void>;
  shutdownRequest(request: TRequest): void | Promise<void>;
  handleError(
    request: TRequest,
    clientAddress: SocketAddress,
    error: unknown,
  ): void | Promise<void>;
  /** Optional: upgrades each stream connection before its handler runs here (TLS). */
  readonly connectionUpgrade?: ConnectionUpgrade | undefined;
}

/** How the requests the pipeline released ended. */
export interface PipelineCounts {
  /** Ran to their end (`failed` ones included). */
  finished: number;
  /** Of `finished`: their handler (or a hook) raised, and `handleError` ran. */
  failed: number;
  /** Cut by a close that ran out of time (or would not wait: `daemonThreads`). */
  cut: number;
  /** Refused by `verifyRequest()`, or by the strategy (`admit`: a client backing off after crashes). */
  refused: number;
}

/** Counts one released request by how it ended (a `failed` one is also `finished`). */
export function countOutcome(counts: PipelineCounts, outcome: RequestOutcome): void {
  if (outcome === 'failed') {
    counts.failed += 1;
    counts.finished += 1;
  } else counts[outcome] += 1;
}
