/**
 * Finds the handler class in a module: `MODULE#ExportName`, else the default export, else the
 * one exported class extending `BaseRequestHandler`. The server gets it as a module reference
 * (`{ module, export }`), so worker threads and child processes import the same class.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BaseRequestHandler, type HandlerModuleRef } from '@sockserve/core';
import { DatagramRequestHandler, StreamRequestHandler } from '@sockserve/stream';
import type { TransportKind } from './args.js';
import { formatLocation, locateSyntaxError } from './syntax-location.js';
import { firstLine, UsageError } from './usage-error.js';

/** A handler found in a module: where it lives and the class itself (Python's `RequestHandlerClass`). */
export interface LoadedHandler extends HandlerModuleRef {
  /** The module's `file:` URL. */
  readonly module: string;
  /** The export holding the class (`'default'` for the default export). */
  readonly export: string;
  /** The class, as imported here. */
  readonly handlerClass: Function;
}

/** How {@link loadHandlerModule} reports a slow import. */
export interface LoadOptions {
  /** ms after which an import still running gets a warning (and one that took longer, after it). Default 3000. */
  readonly slowImportMs?: number;
  /** Where the warning goes (a line). Default: nowhere. */
  readonly warn?: (line: string) => void;
}

/** {@link LoadOptions.slowImportMs} when not given. */
export const SLOW_IMPORT_MS = 3000;

/**
 * Python equivalent: `importlib.import_module()` plus a `getattr()` for the handler class.
 * Imports `spec` (`path/to/module.mjs[#ExportName]`, relative to `cwd`, or a `file:` URL) and
 * picks its handler class. Every failure is a {@link UsageError} saying what was wrong; a
 * syntax error names the file and line. An import slower than `slowImportMs` gets a warning:
 * every worker and child imports the module too.
 */
export async function loadHandlerModule(
  spec: string,
  cwd = process.cwd(),
  options: LoadOptions = {},
): Promise<LoadedHandler> {
  const hash = spec.lastIndexOf('#');
  const path = hash < 0 ? spec : spec.slice(0, hash);
  const wanted = hash < 0 ? undefined : spec.slice(hash + 1);
  if (path === '') throw new UsageError(`${JSON.stringify(spec)}: no module before "#"`);
  if (wanted === '') throw new UsageError(`${JSON.stringify(spec)}: no export name after "#"`);
  const url = path.startsWith('file:') ? new URL(path) : pathToFileURL(resolve(cwd, path));
  try {
    await stat(url);
  } catch {
    throw new UsageError(`cannot import handler module ${path}: no such file`);
  }
  let namespace: Record<string, unknown>;
  const slowMs = options.slowImportMs ?? SLOW_IMPORT_MS;
  const warn = options.warn ?? (() => {});
  const started = performance.now();
  const slowWarning = `importing handler module ${path}`;
  const advice =
    'workers and children import it too: keep start-up work out of a handler module, or guard it with isMainThread / !isForkedChild()';
  // An import that awaits (a hung connection, a long timer) is reported while it runs…
  let warned = false;
  const timer = setTimeout(() => {
    warned = true;
    warn(`warning: ${slowWarning} has taken ${slowMs} ms so far; ${advice}`);
  }, slowMs);
  try {
    namespace = (await import(url.href)) as Record<string, unknown>;
  } catch (error) {
    const location = locateSyntaxError(error, url.href);
    const where = location === undefined ? '' : ` (${formatLocation(location)})`;
    throw new UsageError(`cannot import handler module ${path}: ${firstLine(error)}${where}`, {
      cause: error,
    });
  } finally {
    clearTimeout(timer);
  }
  // …one that blocked the event loop, after it returned.
  const took = performance.now() - started;
  if (!warned && took > slowMs)
    warn(`warning: ${slowWarning} took ${Math.round(took)} ms; ${advice}`);
  const exportName = pickExport(path, namespace, wanted);
  return {
    module: url.href,
    export: exportName,
    handlerClass: namespace[exportName] as Function,
  };
}

function pickExport(
  path: string,
  namespace: Record<string, unknown>,
  wanted: string | undefined,
): string {
  const names = Object.keys(namespace);
  const listed = `exports: ${names.join(', ') || 'none'}`;
  if (wanted !== undefined) {
    if (!(wanted in namespace)) {
      throw new UsageError(`${path} has no export named ${JSON.stringify(wanted)} (${listed})`);
    }
    if (!isHandlerClass(namespace[wanted])) {
      throw new UsageError(
        `export ${JSON.stringify(wanted)} of ${path} is not a request handler class (a class with a handle() method)`,
      );
    }
    return wanted;
  }
  if (isHandlerClass(namespace.default)) return 'default';
  const handlers = names.filter((name) => extendsBaseRequestHandler(namespace[name]));
  if (handlers.length === 1) return handlers[0] as string;
  if (handlers.length > 1) {
    throw new UsageError(
      `${path} exports several request handler classes (${handlers.join(', ')}); choose one: ${path}#${handlers[0]}`,
    );
  }
  throw new UsageError(
    `${path} has no request handler: no default export and no exported class extending BaseRequestHandler (${listed})`,
  );
}

/** A class whose instances have `handle()` (what the server calls): Python's `RequestHandlerClass`. */
function isHandlerClass(value: unknown): value is Function {
  return (
    typeof value === 'function' &&
    typeof (value.prototype as { handle?: unknown } | undefined)?.handle === 'function'
  );
}

/**
 * Python's `issubclass(value, BaseRequestHandler)`: true when `value` is a subclass of
 * `BaseRequestHandler` — of this copy of `@sockserve/core` or another one (a handler module
 * may resolve its own copy), recognised by the class's brand.
 */
export function extendsBaseRequestHandler(value: unknown): boolean {
  return subclassOf(value, BaseRequestHandler);
}

/**
 * Python's `issubclass(value, base)` (`base` itself excluded) for a branded sockserve class
 * `base`: the brand answers for a `base` of any loaded copy.
 */
function subclassOf(value: unknown, base: Function): boolean {
  if (typeof value !== 'function' || typeof value.prototype !== 'object') return false;
  const parent: unknown = Object.getPrototypeOf(value.prototype);
  return parent !== null && parent instanceof base;
}

/**
 * Python has no such check (a mismatch fails at every request). Refuses a stream handler on a datagram transport and the reverse, which would fail at every
 * request: `StreamRequestHandler` wants a connection, `DatagramRequestHandler` a datagram.
 */
export function checkHandlerFits(
  loaded: LoadedHandler,
  transport: TransportKind,
  spec: string,
): void {
  const datagram = transport === 'udp' || transport === 'unix-dgram';
  const name = loaded.handlerClass.name || loaded.export;
  if (datagram && subclassOf(loaded.handlerClass, StreamRequestHandler)) {
    throw new UsageError(
      `${name} (${spec}) is a StreamRequestHandler: serve it with --tcp or --unix`,
    );
  }
  if (!datagram && subclassOf(loaded.handlerClass, DatagramRequestHandler)) {
    throw new UsageError(
      `${name} (${spec}) is a DatagramRequestHandler: serve it with --udp or --unix-dgram`,
    );
  }
}
