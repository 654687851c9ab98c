/**
 * The request pipeline's refused ending: a request that no handler ran and none will — its
 * strategy's `admit()` turned it away (a client in crash backoff), or it ended unserved
 * (`RequestUnservedError`: a runner lost it before its handler started) — is shut down
 * (Python's `shutdown_request`) and ended `refused`, with the error when there is one. Not
 * the error path: `handleError` is not called, and an error of `shutdownRequest` is dropped
 * (the request is released either way).
 */
import type { FailHost } from './pipeline-fail.js';
import { DONE, Phase, type PipelineRequest } from './pipeline-request.js';

/** Ends `entry` refused (with `error`, if given): released, never handled. */
export function refuseRequest<TRequest>(
  host: FailHost<TRequest>,
  entry: PipelineRequest<TRequest>,
  error?: unknown,
): Promise<void> {
  entry.phase = Phase.Ending;
  const end = () => host.end(entry, error, 'refused');
  try {
    const ended = host.server.shutdownRequest(entry.request);
    if (ended !== undefined) return ended.then(end, end);
  } catch {
    // Released either way.
  }
  end();
  return DONE;
}
