/**
 * The request pipeline's error path, Python's `handle_error` then `shutdown_request`: a
 * request whose handler (or a hook) raised is reported to `handleError` — not when a close cut
 * it, and not for a `ServerExit` — then shut down, then ended with its error (`failed`), or
 * with the cut's reason (`cut`). An error that escapes `handleError` (a `ServerExit`, an error
 * it rethrew) goes to the pipeline's `onFatal`.
 */
import { RequestCutError, ServerExit } from './errors.js';
import { Phase, type PipelineRequest } from './pipeline-request.js';
import type { PipelineServer } from './pipeline-server.js';
import type { RequestOutcome } from './request-events.js';

/** What the error path needs of its pipeline. */
export interface FailHost<TRequest> {
  readonly server: PipelineServer<TRequest>;
  /** An error that escaped the error path (the server stops). */
  readonly onFatal: (error: unknown) => void;
  /** Ends the request: uncounts it, counts its outcome, publishes `request.end`. */
  readonly end: (entry: PipelineRequest<TRequest>, error: unknown, outcome: RequestOutcome) => void;
}

/** Runs the error path for `entry`, which failed with `error`; see the module comment. */
export async function failRequest<TRequest>(
  host: FailHost<TRequest>,
  entry: PipelineRequest<TRequest>,
  error: unknown,
): Promise<void> {
  if (entry.phase >= Phase.Ending) return;
  entry.phase = Phase.Ending;
  const cut = entry.cut;
  const server = host.server;
  try {
    if (error instanceof ServerExit) throw error;
    if (cut === undefined && !(error instanceof RequestCutError)) {
      await server.handleError(entry.request, entry.clientAddress, error);
    }
  } catch (fatal) {
    host.onFatal(fatal);
  } finally {
    try {
      await server.shutdownRequest(entry.request);
    } catch {
      // The request is released either way; its error was the first one.
    }
    host.end(entry, cut ?? error, cut !== undefined ? 'cut' : 'failed');
  }
}
