/**
 * Stopping a request in the pipeline before it ends by itself: a drain (the server is
 * closing: the handler serves what it has and takes no more) and a stop (a close's cut, or
 * `requestTimeout`: the request ends now), whether it runs here or in a worker or child.
 * The pipeline (`request-pipeline.ts`) calls these for its running requests.
 */
import { RequestCutError } from './errors.js';
import { BaseRequestHandler, CUT_REQUEST } from './handler.js';
import { drainHandler, Phase, type PipelineRequest } from './pipeline-request.js';

/** Drains one request: its handler here, or the runner that runs it elsewhere. */
export function drainRequest<TRequest>(entry: PipelineRequest<TRequest>): void {
  entry.draining = true;
  if (entry.handler !== undefined) drainHandler(entry.handler);
  else entry.remote?.drain();
}

/**
 * Cuts (close) or times out (`requestTimeout`) one request; false if it already ended.
 * `fail` is the pipeline's error path, which ends a request running here at once.
 */
export function stopRequest<TRequest>(
  entry: PipelineRequest<TRequest>,
  reason: Error,
  fail: (entry: PipelineRequest<TRequest>, error: unknown) => Promise<void>,
): boolean {
  if (entry.phase >= Phase.Ending || entry.cut !== undefined) return false;
  if (reason instanceof RequestCutError) entry.cut = reason;
  if (entry.remote !== undefined) {
    // The runner aborts it and answers; the pipeline ends it then (or when the runner dies).
    entry.remote.cut(reason);
    return true;
  }
  const handler = entry.handler;
  if (handler !== undefined) {
    if (handler instanceof BaseRequestHandler) handler[CUT_REQUEST](reason);
    (entry.request as { destroy?: () => void }).destroy?.();
    // Ended now, without waiting for a handler that ignores its signal.
    if (entry.phase === Phase.Running) void fail(entry, reason).then(() => entry.released());
    return true;
  }
  // Not started yet: it ends as soon as a strategy executes it.
  if (entry.cut === undefined) entry.cut = reason;
  if (entry.phase === Phase.Running) {
    // Running without a handler: its connection upgrade (a TLS handshake) is under way.
    (entry.request as { destroy?: () => void }).destroy?.();
    void fail(entry, reason).then(() => entry.released());
  }
  return true;
}
