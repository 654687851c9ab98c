/**
 * Handler defaults that travel to runners (`RunnerInit.handlerDefaults`): the connection
 * deadlines of `StreamRequestHandler` (`idleTimeout`, `firstByteTimeout`). A worker thread or
 * child process imports its own copy of the handler's module, so a default the server's
 * process set (the `sockserve` command's safe defaults, or
 * `StreamRequestHandler.prototype.idleTimeout = …` in an application) would not be seen
 * there. The server sends the values; the runner writes each on the class that declares the
 * default — the farthest prototype in the handler's chain that owns the attribute — so a
 * subclass's own value (a class field, or its own prototype) still wins, as in the server's
 * process. No Python counterpart: Python's handlers run where the server runs.
 */
import { type HandlerSource, isHandlerClass } from '../handler.js';

/** The attributes that travel; both are ms or `null` (none). */
export const HANDLER_DEFAULT_KEYS = ['idleTimeout', 'firstByteTimeout'] as const;

/** The values sent to runners; an attribute left out keeps the runner's own default. */
export type HandlerDefaults = {
  readonly [K in (typeof HANDLER_DEFAULT_KEYS)[number]]?: number | null;
};

/** A value an attribute may travel with: ms > 0, or `null`. */
function isDeadline(value: unknown): value is number | null {
  return value === null || (typeof value === 'number' && Number.isFinite(value) && value > 0);
}

/**
 * The defaults as the server's process sees them on `handler` (a class), or `{}` for a module
 * reference (the server's process has not loaded it and does not import it for this).
 */
export function readHandlerDefaults(handler: HandlerSource): HandlerDefaults {
  if (!isHandlerClass(handler)) return {};
  const prototype = handler.prototype as Record<string, unknown>;
  const defaults: Record<string, number | null> = {};
  for (const key of HANDLER_DEFAULT_KEYS) {
    const value = prototype[key];
    if (isDeadline(value)) defaults[key] = value;
  }
  return defaults;
}

/**
 * Writes `defaults` on the class in `Handler`'s chain that declares each attribute (the
 * farthest prototype owning it); an attribute no prototype owns is left alone.
 */
export function applyHandlerDefaults(
  Handler: abstract new (...args: never[]) => unknown,
  defaults: HandlerDefaults | undefined,
): void {
  if (defaults === undefined) return;
  for (const key of HANDLER_DEFAULT_KEYS) {
    const value = defaults[key];
    if (!isDeadline(value)) continue;
    let owner: object | undefined;
    for (
      let prototype: object | null = Handler.prototype as object;
      prototype !== null && prototype !== Object.prototype;
      prototype = Object.getPrototypeOf(prototype)
    ) {
      if (Object.hasOwn(prototype, key)) owner = prototype;
    }
    if (owner !== undefined) (owner as Record<string, unknown>)[key] = value;
  }
}
