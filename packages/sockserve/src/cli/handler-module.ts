/**
 * Finds the handler class in a module: `MODULE#ExportName`, else the default export, else the
 * one exported class extending `BaseRequestHandler`. The server gets it as a module reference
 * (`{ module, export }`), so worker threads and child processes import the same class. The
 * import and the choice are core's (`importHandlerModule`, `pickHandlerExport`); the command
 * adds the path, the file check, the syntax error's location and its usage-error wording.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { HandlerLoadError, type HandlerModuleRef } from '@sockserve/core';
import { brandedSubclassOf, importHandlerModule, pickHandlerExport } from '@sockserve/core/kit';
import { DatagramRequestHandler, StreamRequestHandler } from '@sockserve/stream';
import { formatLocation, locateSyntaxError } from './syntax-location.js';
import { findTransport, TRANSPORTS, type TransportKind } from './transports.js';
import { UsageError } from './usage-error.js';

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
  try {
    namespace = await importHandlerModule(url.href, {
      label: path,
      slowImportMs: options.slowImportMs ?? SLOW_IMPORT_MS,
      onSlowImport: options.warn ?? (() => {}),
    });
  } catch (error) {
    const cause = (error as Error).cause;
    const location = locateSyntaxError(cause, url.href);
    const where = location === undefined ? '' : ` (${formatLocation(location)})`;
    throw new UsageError(`${(error as Error).message}${where}`, { cause });
  }
  const exportName = asUsageError(() => pickHandlerExport(namespace, wanted, path));
  return {
    module: url.href,
    export: exportName,
    handlerClass: namespace[exportName] as Function,
  };
}

/** Runs `pick`, rewording its {@link HandlerLoadError} as the command's {@link UsageError}. */
function asUsageError<T>(pick: () => T): T {
  try {
    return pick();
  } catch (error) {
    if (error instanceof HandlerLoadError) throw new UsageError(error.message, { cause: error });
    throw error;
  }
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
  const datagram = findTransport(transport)?.kind === 'datagram';
  const name = loaded.handlerClass.name || loaded.export;
  if (datagram && brandedSubclassOf(loaded.handlerClass, StreamRequestHandler)) {
    throw new UsageError(
      `${name} (${spec}) is a StreamRequestHandler: serve it with ${flagsOf('stream')}`,
    );
  }
  if (!datagram && brandedSubclassOf(loaded.handlerClass, DatagramRequestHandler)) {
    throw new UsageError(
      `${name} (${spec}) is a DatagramRequestHandler: serve it with ${flagsOf('datagram')}`,
    );
  }
}

/** `--tcp or --unix`: the address flags of the registered transports of `kind`. */
function flagsOf(kind: 'stream' | 'datagram'): string {
  return TRANSPORTS.filter((entry) => entry.kind === kind)
    .map((entry) => `--${entry.name}`)
    .join(' or ');
}
