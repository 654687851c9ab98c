/**
 * Which server's request is running on the current async path. `shutdown()` uses it to tell
 * a call from inside one of its own handlers (which must not wait for the loop that waits
 * for that handler — Python's deadlock) from a call outside.
 *
 * Cheap per request: a request runs in its caller's async context plus the server's mark — an
 * `AsyncContextFrame` (a small Map, ~184 B) that every promise reaction of the request keeps
 * alive, so an idle connection would hold one. Requests started from the same caller context
 * (the serve loop's, usually) see the same context, so they share one frame: a scope made once
 * per server and caller frame (`request-scope.ts`). Without `AsyncContextFrame` (Node 22) each
 * request enters its own, inside an `AsyncResource` scope whose exit restores the caller's.
 */
import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import {
  bindMarked,
  boundFromHere,
  loopRequestScope,
  sharedRequestScope,
} from './request-scope.js';

const current = new AsyncLocalStorage<object>();

/** Runs `fn(arg)` marked as a request of `server` (no closure needed per request). */
export function runInRequestOf<A, T>(
  server: object,
  fn: (arg: A) => Promise<T>,
  arg: A,
): Promise<T> {
  if (current.getStore() === server) return fn(arg);
  const shared = sharedRequestScope(current, server);
  if (shared !== undefined) return shared.runInAsyncScope(fn, null, arg);
  return new AsyncResource('sockserve.request').runInAsyncScope(
    enterRequest<A, T>,
    null,
    server,
    fn,
    arg,
  );
}

/** Inside the resource's scope: the request's frame, then `fn`; the scope's exit undoes it. */
function enterRequest<A, T>(server: object, fn: (arg: A) => Promise<T>, arg: A): Promise<T> {
  current.enterWith(server);
  return fn(arg);
}

/**
 * The scope `server`'s serve loop hands requests over in (the current context plus the
 * server's mark; `request-scope.ts`): a request served inside it runs its handler there at
 * once. `undefined` when requests do not share scopes here (Node 22, `sharedRequestScope:
 * false`).
 */
export function serveLoopScope(server: object): AsyncResource | undefined {
  return loopRequestScope(current, server);
}

/**
 * True when `transport`'s events already run in the frame {@link serveLoopScope} gives
 * (`eventsInBindScope`: it was bound, by {@link bindTransport}, from the context the loop runs
 * in): the loop then enters no scope for a request handed over from such an event.
 */
export function eventsInLoopScope(server: object, transport: object): boolean {
  return eventsInBindScope(transport) && boundFromHere(server);
}

/**
 * Binds `transport` (`bind()`) marked as `server`'s when it declares `eventsInBindScope`:
 * its socket's events then run in the binding context plus the server's mark.
 */
export function bindTransport(server: object, transport: { bind(): Promise<void> }): Promise<void> {
  if (!eventsInBindScope(transport)) return transport.bind();
  return bindMarked(current, server, () => transport.bind());
}

/**
 * A transport whose requests reach the serve loop only from the events of sockets its
 * `bind()` made (a UDP socket's 'message'): `DatagramTransport.eventsInBindScope`.
 */
function eventsInBindScope(transport: object): boolean {
  return (transport as { eventsInBindScope?: unknown }).eventsInBindScope === true;
}

/** True when the caller runs inside a request handled by `server`. */
export function isInRequestOf(server: object): boolean {
  return current.getStore() === server;
}
