/**
 * The run-here path of the request pipeline: `finishRequest()`'s default (Python's
 * `finish_request`, which constructs the handler in the calling thread). The server's
 * connection upgrade (TLS) runs first when it has one; then the handler is built on what it
 * gives, registered on the request's pipeline entry so that a drain, a cut or the
 * `requestTimeout` reaches it, and its `setup` / `handle` / `finish` run marked as a request
 * of this server (`request-context.ts`).
 */
import type { Duplex } from 'node:stream';
import type { SocketAddress } from './address.js';
import type { ConnectionUpgrade } from './connection-upgrade.js';
import { RequestTimeoutError } from './errors.js';
import type { RequestHandlerClass } from './handler.js';
import { runOwnedLifecycle } from './owned-lifecycle.js';
import { DONE, drainLater, Phase, type PipelineRequest, runLifecycle } from './pipeline-request.js';
import { runInRequestOf } from './request-context.js';
import { carryRequestInfo } from './request-info.js';
import { stopRequest } from './request-stop.js';

/** What the run-here path needs of its pipeline. */
export interface RunHereHost<TRequest> {
  /** The handler class, once the server resolved it. */
  readonly handlerClass: RequestHandlerClass | undefined;
  /** The server's `requestTimeout` (read at each request). */
  requestTimeout(): number | null;
  /** The pipeline's entry of a request begun and not yet released. */
  entryOf(request: TRequest): PipelineRequest<TRequest> | undefined;
  /** The pipeline's error path, for a request its deadline stops. */
  readonly failEntry: (entry: PipelineRequest<TRequest>, error: unknown) => Promise<void>;
  /** The pipeline's execute(): it lets the default `finishRequest()` run an owned lifecycle. */
  readonly here: OwnedClaims<TRequest>;
}

/** What the run-here path asks of the pipeline's execute() (`ExecuteHere`). */
export interface OwnedClaims<TRequest> {
  /**
   * True when `entry` is the request execute() is starting (the default `finishRequest()`):
   * run the lifecycle that ends the request itself and hand it to {@link ownedStarted}.
   */
  claimOwned(entry: PipelineRequest<TRequest>): boolean;
  /** The owned lifecycle of the request just claimed started: returns `run`. */
  ownedStarted(run: Promise<void>): Promise<void>;
}

/**
 * Runs `request`'s handler here, after `upgrade` when there is one (the handler gets the
 * upgraded stream; a connection the upgrade refused ends here, finished, without a handler).
 */
export function runHere<TRequest>(
  host: RunHereHost<TRequest>,
  upgrade: ConnectionUpgrade | undefined,
  request: TRequest,
  clientAddress: SocketAddress,
  server: object,
): Promise<void> {
  if (upgrade === undefined) return runHandler(host, request, request, clientAddress, server);
  return runUpgraded(host, upgrade, request, clientAddress, server);
}

// Closures per request live in helpers of their own: V8 makes a function's context on entry
// when a closure captures its parameters, even on the calls that make no closure.

/** {@link runHere} with an upgrade: the handler runs on what the upgrade gives. */
function runUpgraded<TRequest>(
  host: RunHereHost<TRequest>,
  upgrade: ConnectionUpgrade,
  request: TRequest,
  clientAddress: SocketAddress,
  server: object,
): Promise<void> {
  return upgrade.upgrade(request as unknown as Duplex, clientAddress).then((stream) => {
    if (stream === undefined) return undefined;
    carryRequestInfo(request as object, stream); // `this.proxy` behind TLS
    return runHandler(host, request, stream as unknown as TRequest, clientAddress, server);
  });
}

/** The request's `requestTimeout`: when it passes, the request is stopped. */
function startDeadline<TRequest>(
  host: RunHereHost<TRequest>,
  entry: PipelineRequest<TRequest>,
  timeout: number,
): void {
  entry.timer = setTimeout(
    () => stopRequest(entry, new RequestTimeoutError(timeout), host.failEntry),
    timeout,
  );
}

/** `request` is the pipeline's (the accepted connection), `given` what the handler gets. */
function runHandler<TRequest>(
  host: RunHereHost<TRequest>,
  request: TRequest,
  given: TRequest,
  clientAddress: SocketAddress,
  server: object,
): Promise<void> {
  const entry = host.entryOf(request);
  // Cut while its connection was upgraded: already ended.
  if (entry !== undefined && entry.phase >= Phase.Ending) return DONE;
  // Handed over from an event in the server's marked frame, in that turn: no probe of the
  // frame (taken once, before any handler code runs; marked-turn.ts).
  const marked = entry?.takeMarkedTurn() === true;
  const Handler = host.handlerClass as RequestHandlerClass;
  const handler = new Handler(given, clientAddress, server);
  if (entry !== undefined) {
    entry.handler = handler;
    // Begun while closing (it was queued): it first gets to read what its client sent.
    if (entry.draining) setImmediate(drainLater, handler);
    const timeout = host.requestTimeout();
    if (timeout !== null) startDeadline(host, entry, timeout);
    // Called by execute() (the default finishRequest): the lifecycle ends the request.
    if (host.here.claimOwned(entry)) {
      entry.lifecycleHolds = true;
      try {
        return host.here.ownedStarted(
          marked ? runOwnedLifecycle(entry) : runInRequestOf(server, runOwnedLifecycle, entry),
        );
      } catch (error) {
        // setup() threw at once: the lifecycle won't reach its end, so the pipeline's end
        // lets go of the handler.
        entry.lifecycleHolds = false;
        throw error;
      }
    }
  }
  return marked ? runLifecycle(handler) : runInRequestOf(server, runLifecycle, handler);
}
