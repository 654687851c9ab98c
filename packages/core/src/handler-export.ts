/**
 * Choosing the handler class of an imported handler module, as the `sockserve` command does
 * for `MODULE` without `#Export`. Python's counterpart is `getattr(module, name)` plus an
 * `issubclass(cls, BaseRequestHandler)` test.
 */
import { brandedSubclassOf } from './brand.js';
import { HandlerLoadError } from './errors.js';
import { BaseRequestHandler } from './handler.js';

/**
 * Python's `issubclass(value, BaseRequestHandler)`, `BaseRequestHandler` itself excluded:
 * true for a subclass built on any loaded copy of `@sockserve/core` (recognised by brand).
 */
export function extendsBaseRequestHandler(value: unknown): boolean {
  return brandedSubclassOf(value, BaseRequestHandler);
}

/** A class whose instances have `handle()` (what the server calls): Python's `RequestHandlerClass`. */
function hasHandleMethod(value: unknown): value is Function {
  return (
    typeof value === 'function' &&
    typeof (value.prototype as { handle?: unknown } | undefined)?.handle === 'function'
  );
}

/**
 * Chooses the handler class of an imported module: `wanted` when given (it must exist and be
 * a class with `handle()`), else the default export when it is one, else the one exported
 * subclass of `BaseRequestHandler`. Raises {@link HandlerLoadError} saying what is there.
 * Returns the export's name.
 */
export function pickHandlerExport(
  namespace: Record<string, unknown>,
  wanted: string | undefined,
  label: string,
): string {
  const names = Object.keys(namespace);
  const listed = `exports: ${names.join(', ') || 'none'}`;
  if (wanted !== undefined) {
    if (!(wanted in namespace)) {
      throw new HandlerLoadError(
        `${label} has no export named ${JSON.stringify(wanted)} (${listed})`,
      );
    }
    if (!hasHandleMethod(namespace[wanted])) {
      throw new HandlerLoadError(
        `export ${JSON.stringify(wanted)} of ${label} is not a request handler class (a class with a handle() method)`,
      );
    }
    return wanted;
  }
  if (hasHandleMethod(namespace.default)) return 'default';
  const handlers = names.filter((name) => extendsBaseRequestHandler(namespace[name]));
  if (handlers.length === 1) return handlers[0] as string;
  if (handlers.length > 1) {
    throw new HandlerLoadError(
      `${label} exports several request handler classes (${handlers.join(', ')}); choose one: ${label}#${handlers[0]}`,
    );
  }
  throw new HandlerLoadError(
    `${label} has no request handler: no default export and no exported class extending BaseRequestHandler (${listed})`,
  );
}
