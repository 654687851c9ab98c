/**
 * Closing: Python's `server_close()` and the drain (no Python counterpart) over a
 * {@link ServerCore}. The request side of the close is `close-requests.ts`; this part keeps
 * one close per server (a second call shares its report) and settles the server's own state.
 */
import { CloseDeadline } from './close-deadline.js';
import type { CloseReport, ServerCloseOptions } from './close-report.js';
import { closeRequests } from './close-requests.js';
import { channels, publish } from './diagnostics.js';
import { Drain, type DrainOptions, readDrainOptions } from './drain.js';
import { isInRequestOf } from './request-context.js';
import type { ServerCore } from './server-core.js';
import { optionalTimeout } from './validate.js';

/** `serverClose()`: starts the close once; a later call may only bring its deadline forward. */
export function closeServer<TRequest>(
  core: ServerCore<TRequest>,
  options: ServerCloseOptions,
): Promise<CloseReport> {
  const timeout = optionalTimeout('timeout', options.timeout) ?? null;
  if (core.closing === undefined) {
    const deadline = new CloseDeadline();
    deadline.shorten(timeout);
    core.closing = { deadline, report: close(core, deadline) };
    core.drain?.endDelay();
  } else core.closing.deadline.shorten(timeout);
  return core.closing.report;
}

/** `drain()`: reports `draining` now, closes through the server's `serverClose()` after `delay`. */
export function drainServer<TRequest>(
  core: ServerCore<TRequest>,
  options: DrainOptions,
): Promise<CloseReport> {
  readDrainOptions(options);
  const server = core.server;
  core.drain ??= new Drain(options, (timeout) =>
    server.serverClose(timeout === undefined ? {} : { timeout }),
  );
  return core.drain.report;
}

/** The close: see `closeRequests` for the steps; this part settles the server's own state. */
async function close<TRequest>(
  core: ServerCore<TRequest>,
  deadline: CloseDeadline,
): Promise<CloseReport> {
  const inHandler = isInRequestOf(core.server);
  const loop = core.loop;
  loop?.stop();
  // Let a bind or activation in progress finish, so that what it opens is closed here.
  const served = await core.life.beginClose();
  const report = await closeRequests({
    pipeline: core.pipeline,
    transport: core.transport,
    strategy: core.strategy,
    deadline,
    loopDone: loop?.done,
    inHandler,
    served,
    stopped: () => core.fatal !== undefined,
  });
  core.life.endClose();
  publish(channels.close, () => ({ server: core.server, report }));
  return report;
}
