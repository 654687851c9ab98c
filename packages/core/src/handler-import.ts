/**
 * Importing a handler module: the one implementation behind the server's `resolveHandler`,
 * the runners' import of the same module and the `sockserve` command's `MODULE[#Export]`
 * argument. Python's counterpart is `importlib.import_module()`.
 */
import { HandlerLoadError } from './errors.js';

/** How {@link importHandlerModule} names the module and reports a slow import. */
export interface HandlerImportOptions {
  /** How messages name the module (the path the user wrote). Default: its URL. */
  readonly label?: string;
  /** ms after which an import still running gets a warning (and one that took longer, after it). */
  readonly slowImportMs?: number;
  /** Where the slow-import warning goes (one line). Default: nowhere. */
  readonly onSlowImport?: (line: string) => void;
}

/** What every slow-import warning advises: runners import the module too. */
const SLOW_IMPORT_ADVICE =
  'workers and children import it too: keep start-up work out of a handler module, or guard it with isMainThread / !isForkedChild()';

/** The first line of an error's `name: message` (all that crosses to the server from a runner). */
function firstLine(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.split('\n', 1)[0] ?? text;
}

/**
 * Imports a handler module by URL. A failure is a {@link HandlerLoadError}
 * (`cannot import handler module LABEL: <first line of the cause>`) whose `cause` is the
 * import's error. With `slowImportMs`, an import that awaits longer is reported while it
 * runs, and one that blocked the event loop longer, after it returned.
 */
export async function importHandlerModule(
  module: string,
  options: HandlerImportOptions = {},
): Promise<Record<string, unknown>> {
  const label = options.label ?? module;
  const { slowImportMs, onSlowImport } = options;
  const what = `importing handler module ${label}`;
  let warned = false;
  const timer =
    slowImportMs === undefined || onSlowImport === undefined
      ? undefined
      : setTimeout(() => {
          warned = true;
          onSlowImport(
            `warning: ${what} has taken ${slowImportMs} ms so far; ${SLOW_IMPORT_ADVICE}`,
          );
        }, slowImportMs);
  const started = performance.now();
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(module)) as Record<string, unknown>;
  } catch (error) {
    throw new HandlerLoadError(`cannot import handler module ${label}: ${firstLine(error)}`, {
      cause: error,
    });
  } finally {
    clearTimeout(timer);
  }
  const took = performance.now() - started;
  if (timer !== undefined && !warned && took > (slowImportMs as number)) {
    onSlowImport?.(`warning: ${what} took ${Math.round(took)} ms; ${SLOW_IMPORT_ADVICE}`);
  }
  return namespace;
}
