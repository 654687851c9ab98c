/**
 * The request pipeline's way for a request whose `verifyRequest()` (Python's
 * `verify_request`) did not answer `true` at once — it answered `false`, or a promise — and
 * the end of a request that an overridden `processRequest()` served without the strategy. An
 * async frame per request, off the usual path: a request refused by `verifyRequest()` is shut
 * down (`shutdownRequest`, once) and ended `refused`; an accepted one goes on to
 * `processRequest()`; an error of any of them takes the error path (`pipeline-fail.ts`).
 */
import type { FailHost } from './pipeline-fail.js';
import { Phase, type PipelineRequest } from './pipeline-request.js';

/** What this path needs of its pipeline: the error path's host, and the error path. */
export interface VerifyingHost<TRequest> extends FailHost<TRequest> {
  /** The pipeline's error path (`failRequest` on this host). */
  readonly failEntry: (entry: PipelineRequest<TRequest>, error: unknown) => Promise<void>;
}

/** The rest of the pipeline's serve when `verifyRequest` answered `verdict` (not `true`). */
export async function serveVerifying<TRequest>(
  host: VerifyingHost<TRequest>,
  entry: PipelineRequest<TRequest>,
  verdict: boolean | Promise<boolean>,
): Promise<void> {
  const { request, clientAddress } = entry;
  const server = host.server;
  try {
    if (!(await verdict)) {
      entry.phase = Phase.Ending;
      await server.shutdownRequest(request);
      host.end(entry, undefined, 'refused');
      return;
    }
    await server.processRequest(request, clientAddress);
    endProcessed(host, entry);
  } catch (error) {
    await host.failEntry(entry, error);
  }
}

/** processRequest() overridden to serve the request without the strategy: it is done. */
export function endProcessed<TRequest>(
  host: FailHost<TRequest>,
  entry: PipelineRequest<TRequest>,
): void {
  if (entry.phase !== Phase.Begun) return;
  entry.phase = Phase.Ending;
  host.end(entry, undefined, 'finished');
}
