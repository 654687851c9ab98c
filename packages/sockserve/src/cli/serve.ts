/**
 * `sockserve serve`: load the handler, open the server, print `listening on ADDRESS` once it
 * takes traffic, serve until SIGINT or SIGTERM — Python's `with server: server.serve_forever()`
 * with a `KeyboardInterrupt` handler, made for process managers:
 *
 * - first signal: `stopping: N running (signal again to force)` on stderr, then `shutdown()` and
 *   `serverClose({ timeout: closeTimeout })` — running requests finish, idle connections close
 *   — and exit 0;
 * - second signal: `serverClose({ timeout: 0 })` cuts what is left, exit 1;
 * - a signal during start-up (a handler module that hangs at import, workers starting) stops
 *   it: exit 0 when nothing was serving, 1 when a second signal had to force it;
 * - third signal: exit 1 at once.
 */
import { assertNotInRunner, formatAddress } from '@sockserve/core';
import type { ServeCommand } from './args.js';
import { checkHandlerFits, type LoadOptions, loadHandlerModule } from './handler-module.js';
import { applyHandlerDeadlines } from './hardening.js';
import { resolveListen } from './inherited-listen.js';
import { type AnyServer, startServer } from './open-server.js';
import { logRequests } from './request-log.js';
import { notifyServiceManager } from './service-manager.js';
import { INTERRUPTED, StopSignals, untilSignal } from './stop-signals.js';
import { createStrategy } from './strategy.js';
import { UsageError } from './usage-error.js';

/** Where the command writes (Python's `sys.stdout` / `sys.stderr`): the listening line goes to `out`, reports to `err`. */
export interface ServeIO {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/** Settings that are not options: the slow-import threshold (`SOCKSERVE_SLOW_IMPORT_MS`). */
export interface ServeSettings {
  readonly slowImportMs?: number;
}

/**
 * Python's `with server: server.serve_forever()` with a `KeyboardInterrupt` handler. Runs
 * `command` until a stop signal (see the module comment); resolves with the exit code: 0 after
 * a graceful stop (also when a handler threw `ServerExit`, Python's `SystemExit`), 1 when it was
 * forced or the serve loop failed. Start-up problems reject with a `UsageError`.
 */
export async function serve(
  command: ServeCommand,
  io: ServeIO,
  settings: ServeSettings = {},
): Promise<number> {
  try {
    assertNotInRunner('cannot run the sockserve command');
  } catch (error) {
    throw new UsageError((error as Error).message, { cause: error });
  }
  const signals = new StopSignals((signal) => {
    io.err(`sockserve: ${signal} a third time, exiting now`);
    process.exit(1);
  });
  signals.install();
  try {
    const listen = resolveListen(command.listen);
    // Before the handler module loads: a copy of @sockserve/stream it loads reads the environment.
    applyHandlerDeadlines(command.hardening);
    const loadOptions: LoadOptions = {
      warn: (line) => {
        if (command.output !== 'quiet') io.err(`sockserve: ${line}`);
      },
      ...(settings.slowImportMs === undefined ? {} : { slowImportMs: settings.slowImportMs }),
    };
    const loaded = await untilSignal(
      loadHandlerModule(command.handler, process.cwd(), loadOptions),
      signals.first,
    );
    if (loaded === INTERRUPTED) {
      // Nothing is open yet: the import can't be cancelled, but nothing needs closing either.
      if (command.output !== 'quiet')
        io.err('stopping: interrupted while importing the handler module');
      return 0;
    }
    checkHandlerFits(loaded, listen.transport, command.handler);
    const strategy = await createStrategy<never>(command.strategy);
    const { server, ready } = await startServer(
      listen,
      { module: loaded.module, export: loaded.export },
      strategy,
      command.hardening,
      command.proxyProtocol,
    );
    if ((await untilSignal(ready, signals.first)) === INTERRUPTED) {
      return await stopDuringStartUp(server, signals, command, io);
    }
    return await serveUntilStopped(server, signals, command, io);
  } finally {
    signals.uninstall();
  }
}

/** A signal came while the server was binding or its workers/children were loading the handler. */
async function stopDuringStartUp(
  server: AnyServer,
  signals: StopSignals,
  command: ServeCommand,
  io: ServeIO,
): Promise<number> {
  if (command.output !== 'quiet')
    io.err('stopping: interrupted during start-up (signal again to force)');
  const closed = await untilSignal(server.serverClose({ timeout: 0 }), signals.second);
  return closed === INTERRUPTED ? 1 : 0;
}

async function serveUntilStopped(
  server: AnyServer,
  signals: StopSignals,
  command: ServeCommand,
  io: ServeIO,
): Promise<number> {
  let closing: Promise<unknown> | undefined;
  let forced = false;
  // Resolves once a forced close is done, even if the graceful one it overtook still waits.
  const forcedClose = Promise.withResolvers<void>();
  const remote = command.strategy.kind === 'threads' || command.strategy.kind === 'processes';
  const stopLogging = command.output === 'verbose' ? logRequests(server, io.err, remote) : () => {};
  const warn = (line: string) => {
    if (command.output !== 'quiet') io.err(`sockserve: ${line}`);
  };
  void signals.first.then(() => {
    void notifyServiceManager('STOPPING=1', warn);
    if (command.output !== 'quiet') {
      io.err(`stopping: ${server.strategy.active} running (signal again to force)`);
    }
    closing = Promise.all([
      server.shutdown(),
      server.serverClose({ timeout: command.closeTimeout }),
    ]);
  });
  void signals.second.then((signal) => {
    forced = true;
    io.err(`sockserve: ${signal} again: cutting ${server.strategy.active} running requests`);
    void server.serverClose({ timeout: 0 }).then(() => forcedClose.resolve());
  });
  let code = 0;
  try {
    io.out(`listening on ${formatAddress(server.serverAddress)}`);
    const serving = server.serveForever();
    // READY=1 once the serve loop runs (systemd Type=notify starts dependants on it).
    void notifyServiceManager('READY=1', warn);
    await serving;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_SOCKSERVE_SERVER_EXIT') {
      io.err(`sockserve: stopped by a handler: ${(error as Error).message}`);
    } else {
      io.err(`sockserve: the server stopped on an error: ${describe(error)}`);
      code = 1;
    }
  } finally {
    await Promise.race([
      closing ?? server.serverClose({ timeout: command.closeTimeout }),
      forcedClose.promise,
    ]);
    stopLogging();
  }
  return forced ? 1 : code;
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
