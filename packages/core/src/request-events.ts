/**
 * What the request pipeline tells observers about each request: `request.start` and
 * `request.end` on the diagnostics channels, and the `sockserve:request` tracing channel
 * (start and end around the call, then error, asyncStart and asyncEnd when it ended), each
 * only while someone subscribes. No Python counterpart (`socketserver` has no hooks for
 * observers).
 */
import { channels, type RequestTraceContext, requestTracing } from './diagnostics.js';
import type { PipelineRequest } from './pipeline-request.js';

/** How a request ended, as the pipeline counts it. */
export type RequestOutcome = 'finished' | 'failed' | 'cut' | 'refused';

/** `request.start` for a request just begun (and its start time, for `request.end`'s duration). */
export function publishRequestStart<TRequest>(
  server: object,
  entry: PipelineRequest<TRequest>,
): void {
  if (channels.requestEnd.hasSubscribers) entry.started = performance.now();
  if (channels.requestStart.hasSubscribers) {
    channels.requestStart.publish({
      server,
      request: entry.request,
      clientAddress: entry.clientAddress,
    });
  }
}

/**
 * Runs `serve` as Node's `tracePromise` would: `start` (with its stores) around the call,
 * `end` once it returned; {@link publishRequestEnd} publishes the rest.
 */
export function traceRequest<TRequest>(
  server: object,
  strategy: string,
  entry: PipelineRequest<TRequest>,
  serve: () => Promise<void>,
): Promise<void> {
  const context: RequestTraceContext = {
    server,
    request: entry.request,
    clientAddress: entry.clientAddress,
    strategy,
  };
  entry.trace = context;
  try {
    return requestTracing.start.runStores(context, serve);
  } finally {
    requestTracing.end.publish(context);
  }
}

/** The end of a request on both channels: `request.end` with its duration and error, and the trace's end. */
export function publishRequestEnd<TRequest>(
  server: object,
  entry: PipelineRequest<TRequest>,
  error: unknown,
  outcome: RequestOutcome,
): void {
  if (entry.trace !== undefined) traceEnd(entry.trace, error, outcome === 'cut');
  if (channels.requestEnd.hasSubscribers) {
    channels.requestEnd.publish({
      server,
      request: entry.request,
      clientAddress: entry.clientAddress,
      durationMs: entry.started === 0 ? 0 : performance.now() - entry.started,
      error,
    });
  }
}

/** The tracing channel's end of one request: `error` (failure or cut), `asyncStart`, `asyncEnd`. */
function traceEnd(context: RequestTraceContext, error: unknown, cut: boolean): void {
  if (cut) context.cut = true;
  if (error !== undefined) {
    context.error = error;
    requestTracing.error.publish(context);
  }
  requestTracing.asyncStart.publish(context);
  requestTracing.asyncEnd.publish(context);
}
