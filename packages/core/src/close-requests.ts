/**
 * The request side of `serverClose()`, in order: stop accepting; tell running requests the
 * server is draining; wait for the serve loop; serve what is still queued in the transport;
 * wait for running requests (as the strategy's `closeMode` says) until the deadline; when it
 * passes, cut what runs and stop serving the queue; then release everything (the transport
 * drops what is still queued) and stop the strategy. Returns the report.
 */
import type { CloseDeadline } from './close-deadline.js';
import { type CloseReport, closeReport } from './close-report.js';
import { RequestCutError } from './errors.js';
import type { RequestPipeline } from './request-pipeline.js';
import type { ConcurrencyStrategy } from './strategy.js';
import type { ServerTransport } from './transport.js';

/** What the close works on. */
export interface CloseContext<TRequest> {
  readonly pipeline: RequestPipeline<TRequest>;
  readonly transport: ServerTransport<TRequest> | undefined;
  readonly strategy: ConcurrencyStrategy<TRequest>;
  readonly deadline: CloseDeadline;
  /** The serve loop's end, when one was running. */
  readonly loopDone: Promise<void> | undefined;
  /** Called from inside one of the server's handlers: waiting would wait for the caller. */
  readonly inHandler: boolean;
  /** The server was active, so requests may be queued. */
  readonly served: boolean;
  /** True once a fatal error stopped the server (the queue is not served further). */
  readonly stopped: () => boolean;
}

/** Closes the requests side of a server; see the module comment. */
export async function closeRequests<TRequest>(
  context: CloseContext<TRequest>,
): Promise<CloseReport> {
  const { pipeline, transport, strategy, deadline } = context;
  const mode = strategy.closeMode ?? 'wait';
  const cut = () => pipeline.cutAll(new RequestCutError());
  if (mode === 'abandon') deadline.shorten(0);
  if (deadline.expired) cut();
  else deadline.signal.addEventListener('abort', cut, { once: true });
  transport?.stopAccepting?.();
  // Runners that accept themselves stop too; what they took before is the close's, in every mode.
  const acceptedElsewhere = strategy.stopAccepting?.();
  pipeline.drainAll();
  // From inside a handler, waiting would wait for the caller itself: what runs is detached.
  if (!context.inHandler) {
    await context.loopDone;
    await acceptedElsewhere;
    // Serves what is queued: waiting for a slot is waiting for running requests — except for
    // connections runners accepted themselves (already in a runner: no slot to wait for).
    const serve = mode === 'wait' || acceptedElsewhere !== undefined;
    if (context.served && serve && transport?.stopAccepting !== undefined) {
      await serveQueued(context, transport);
    }
    if (mode === 'wait' || deadline.expired) {
      await Promise.race([pipeline.whenIdle(), deadline.reached]);
      if (deadline.expired) await pipeline.whenIdle();
    }
  }
  deadline.signal.removeEventListener('abort', cut);
  deadline.dispose();
  const detached = pipeline.size;
  await transport?.close();
  await strategy.close();
  return closeReport(
    pipeline.counts,
    transport?.stats ?? { accepted: 0, refused: 0, oversized: 0, dropped: 0 },
    detached,
  );
}

/** Hands the requests still queued to the pipeline until none is left or the deadline passes. */
async function serveQueued<TRequest>(
  context: CloseContext<TRequest>,
  transport: ServerTransport<TRequest>,
): Promise<void> {
  const { strategy, pipeline } = context;
  const signal = context.deadline.signal;
  while (!signal.aborted && !context.stopped()) {
    await strategy.waitForSlot?.(signal);
    if (signal.aborted) return;
    const incoming = await transport.take(signal);
    if (incoming === undefined) return;
    await pipeline.handle(incoming.request, incoming.clientAddress);
  }
}
