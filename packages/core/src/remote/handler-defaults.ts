/**
 * Handler defaults that travel to runners (`RunnerInit.handlerDefaults`): the connection
 * deadlines of `StreamRequestHandler` (`idleTimeout`, `firstByteTimeout`) and its minimum data
 * rate (`minReadRate`). A worker thread or
 * child process imports its own copy of the handler's module, so a default the server's
 * process set (the `sockserve` command's safe defaults, or
 * `StreamRequestHandler.prototype.idleTimeout = …` in an application) would not be seen
 * there. The server sends the values; the runner writes each on the class that declares the
 * default — the farthest prototype in the handler's chain that owns the attribute — so a
 * subclass's own value (a class field, or its own prototype) still wins, as in the server's
 * process. No Python counterpart: Python's handlers run where the server runs.
 */
import { type HandlerSource, isHandlerClass } from '../handler.js';

/** The attributes that travel: two deadlines (ms or `null`) and a rate (see {@link HandlerDefaults}). */
export const HANDLER_DEFAULT_KEYS = ['idleTimeout', 'firstByteTimeout', 'minReadRate'] as const;

/** `StreamRequestHandler.minReadRate`'s shape (declared in `@sockserve/stream`; core doesn't import it). */
export interface ReadRateDefault {
  /** Bytes per second, > 0. */
  readonly bytesPerSecond: number;
  /** ms, ≥ 0. */
  readonly graceMs: number;
}

/** The values sent to runners; an attribute left out keeps the runner's own default. */
export interface HandlerDefaults {
  /** `StreamRequestHandler.idleTimeout`: ms, or `null` (none). */
  readonly idleTimeout?: number | null;
  /** `StreamRequestHandler.firstByteTimeout`: ms, or `null` (none). */
  readonly firstByteTimeout?: number | null;
  /** `StreamRequestHandler.minReadRate`, or `null` (none). */
  readonly minReadRate?: ReadRateDefault | null;
}

/** A value `key` may travel with: ms > 0 or `null` for the deadlines; a valid rate or `null`. */
function isDefaultValue(key: (typeof HANDLER_DEFAULT_KEYS)[number], value: unknown): boolean {
  if (value === null) return true;
  if (key !== 'minReadRate') {
    return typeof value === 'number' && Number.isFinite(value) && value > 0;
  }
  const rate = value as Partial<ReadRateDefault>;
  return (
    typeof value === 'object' &&
    typeof rate.bytesPerSecond === 'number' &&
    Number.isFinite(rate.bytesPerSecond) &&
    rate.bytesPerSecond > 0 &&
    typeof rate.graceMs === 'number' &&
    Number.isFinite(rate.graceMs) &&
    rate.graceMs >= 0
  );
}

/**
 * The defaults as the server's process sees them on `handler` (a class), or `{}` for a module
 * reference (the server's process has not loaded it and does not import it for this).
 */
export function readHandlerDefaults(handler: HandlerSource): HandlerDefaults {
  if (!isHandlerClass(handler)) return {};
  const prototype = handler.prototype as Record<string, unknown>;
  const defaults: Record<string, unknown> = {};
  for (const key of HANDLER_DEFAULT_KEYS) {
    const value = prototype[key];
    if (isDefaultValue(key, value)) defaults[key] = value;
  }
  return defaults as HandlerDefaults;
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
    if (!isDefaultValue(key, value)) continue;
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
