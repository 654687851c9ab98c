/**
 * Serving: Python's `serve_forever()`, `handle_request()` and `shutdown()` over a
 * {@link ServerCore}. The loop itself is `serve-loop.ts`; this part checks the server's state,
 * wires the loop to the pipeline and rethrows what stopped it.
 */
import { channels, publish } from './diagnostics.js';
import { ServerStateError } from './errors.js';
import { isInRequestOf } from './request-context.js';
import { type ServeForeverOptions, ServeLoop, takeOneRequest } from './serve-loop.js';
import type { ServerCore } from './server-core.js';
import { optionalTimeout } from './validate.js';

/** `serveForever()`: handles requests until `shutdown()` or a close; rethrows a fatal error. */
export async function serveForever<TRequest>(
  core: ServerCore<TRequest>,
  options: ServeForeverOptions,
): Promise<void> {
  const pollInterval = optionalTimeout('pollInterval', options.pollInterval) ?? 500;
  if (core.loop !== undefined) throw new ServerStateError('serveForever() is already running');
  const state = core.life.state;
  if (state.kind === 'closed' && state.failed !== undefined) throw state.failed.error;
  if (state.kind === 'closed' || state.kind === 'closing')
    throw new ServerStateError('serveForever() after serverClose()');
  const server = core.server;
  const loop = new ServeLoop(pollInterval, () => server.serviceActions(), server);
  core.loop = loop;
  const stop = () => void server.shutdown();
  options.signal?.addEventListener('abort', stop, { once: true });
  if (options.signal?.aborted) stop();
  try {
    await core.life.whenActive();
    await loop.run(
      core.strategy,
      core.activeTransport,
      (incoming, marked) => core.pipeline.handle(incoming.request, incoming.clientAddress, marked),
      () => core.throwIfFatal(),
      (error) => core.stopWithError(error),
      (incoming, ready, marked) =>
        core.pipeline.handleThen(incoming.request, incoming.clientAddress, ready, marked),
    );
    core.throwIfFatal();
  } finally {
    options.signal?.removeEventListener('abort', stop);
    core.loop = undefined;
    loop.finish();
  }
}

/** `handleRequest()`: one request, or `handleTimeout()` when none came within `timeout`. */
export async function handleOneRequest<TRequest>(core: ServerCore<TRequest>): Promise<void> {
  if (core.loop !== undefined)
    throw new ServerStateError('handleRequest() while serveForever() runs');
  await core.life.whenActive();
  const server = core.server;
  const { incoming, timedOut } = await takeOneRequest(
    core.strategy,
    core.activeTransport,
    server.timeout,
  );
  if (incoming === undefined) {
    if (timedOut) await server.handleTimeout();
    return;
  }
  await core.pipeline.handle(incoming.request, incoming.clientAddress);
  core.throwIfFatal();
}

/** `shutdown()`: stops the loop; waits for it unless called from one of this server's handlers. */
export async function shutdownServer<TRequest>(core: ServerCore<TRequest>): Promise<void> {
  const loop = core.loop;
  if (loop === undefined) return;
  if (!loop.stopRequested) publish(channels.shutdown, () => ({ server: core.server }));
  loop.stop();
  if (!isInRequestOf(core.server)) await loop.done;
}
