/**
 * One async-context frame shared by the requests a server starts from the same caller context
 * (see request-context.ts). A request must run in exactly what it ran in before — its
 * caller's frame plus the server's mark — so a shared scope is reused only while the caller's
 * frame is the very same object (frames are immutable: `run()` and `enterWith()` make new
 * ones). Node gives no public way to compare frames; an `AsyncResource` records the frame it
 * was made in, under a symbol found once here. When that is not there (Node 22, where
 * `AsyncContextFrame` is off by default, or a Node that renamed it), this returns `undefined`
 * and each request enters a frame of its own, as before.
 */
import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';

const TYPE = 'sockserve.request';

/** The shared scope of one server, and the caller frame it was made for. */
interface SharedScope {
  readonly caller: unknown;
  readonly resource: AsyncResource;
}

type FramedResource = AsyncResource & Record<symbol, unknown>;

const scopes = new WeakMap<object, SharedScope>();
/** The caller frame each server's transport was bound from, when it was bound marked. */
const boundFrames = new WeakMap<object, unknown>();
/** Servers made with `sharedRequestScope: false`: each request gets a resource of its own. */
const unshared = new WeakSet<object>();
/** The symbol under which an `AsyncResource` keeps its frame; `undefined`: not usable here. */
const FRAME: symbol | undefined = frameSymbol();

/** The frame symbol, when frames are objects here: a resource made inside `run()` records one. */
function frameSymbol(): symbol | undefined {
  const probe = new AsyncResource(TYPE);
  const symbol = Object.getOwnPropertySymbols(probe).find((s) => s.description === 'context_frame');
  if (symbol === undefined) return undefined;
  const frame = (withStore(new AsyncLocalStorage<number>(), 1) as FramedResource)[symbol];
  return typeof frame === 'object' && frame !== null ? symbol : undefined;
}

/**
 * A resource made in the current frame plus `storage` set to `value`. Not with `run()`: on
 * exit it enters a new frame (`storage` set back) instead of the caller's own, so the caller
 * would go on in a frame no shared scope was made for. `runInAsyncScope` restores the very
 * frame it found.
 */
function withStore<T>(storage: AsyncLocalStorage<T>, value: T): AsyncResource {
  return new AsyncResource(TYPE).runInAsyncScope(() => {
    storage.enterWith(value);
    return new AsyncResource(TYPE);
  });
}

/** `sharedRequestScope: false`: `server`'s requests each run in a scope of their own. */
export function unshareRequestScope(server: object): void {
  unshared.add(server);
}

/**
 * The scope `server`'s request started here should run in — the caller's frame plus `mark`
 * set to `server` — shared with the requests started from the same frame; `undefined` when
 * frames cannot be compared on this Node, or `server` opted out ({@link unshareRequestScope}).
 */
export function sharedRequestScope(
  mark: AsyncLocalStorage<object>,
  server: object,
): AsyncResource | undefined {
  if (FRAME === undefined) return undefined;
  const caller = (new AsyncResource(TYPE) as FramedResource)[FRAME];
  const scope = scopes.get(server);
  if (scope !== undefined && scope.caller === caller) return scope.resource;
  if (unshared.has(server)) return undefined; // Never in `scopes`: checked on a miss only.
  const resource = withStore(mark, server);
  scopes.set(server, { caller, resource });
  return resource;
}

/**
 * A scope of its own for `server`'s serve loop, made in the current frame (the one
 * `serveForever()` runs in) plus `mark` set to `server`: the fast path hands each request that
 * arrives by a transport event over inside it, so the request's handler then runs in it with
 * no second scope and no probe. `undefined` when frames cannot be compared on this Node, or
 * `server` opted out ({@link unshareRequestScope}): each request then gets its scope as before.
 */
export function loopRequestScope(
  mark: AsyncLocalStorage<object>,
  server: object,
): AsyncResource | undefined {
  if (FRAME === undefined || unshared.has(server)) return undefined;
  return withStore(mark, server);
}

/** The current frame (`undefined` at the top level); only meaningful when `FRAME` is defined. */
function currentFrame(): unknown {
  return (new AsyncResource(TYPE) as FramedResource)[FRAME as symbol];
}

/**
 * Runs `bind` (a transport's `bind()`) in the current frame plus `mark` set to `server`, and
 * records the frame it was called from: every socket `bind` creates then calls back in that
 * marked frame (Node gives a handle the frame it was made in). Plain `bind()` when frames
 * cannot be compared here or `server` opted out ({@link unshareRequestScope}).
 */
export function bindMarked<T>(mark: AsyncLocalStorage<object>, server: object, bind: () => T): T {
  if (FRAME === undefined || unshared.has(server)) return bind();
  boundFrames.set(server, currentFrame());
  return new AsyncResource(TYPE).runInAsyncScope(() => {
    mark.enterWith(server);
    return bind();
  });
}

/**
 * True when `server`'s transport was bound marked ({@link bindMarked}) from the very frame
 * the caller runs in: its sockets' events then already run in the caller's frame plus the
 * mark — the scope a request of `server` started here would get.
 */
export function boundFromHere(server: object): boolean {
  return (
    FRAME !== undefined && boundFrames.has(server) && boundFrames.get(server) === currentFrame()
  );
}
