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
import { startHealthPorts } from './health-ports.js';
import { resolveListen } from './inherited-listen.js';
import { type AnyServer, startServer } from './open-server.js';
import { checkProxyFits } from './proxy-flags.js';
import { logRequests } from './request-log.js';
import { restartOnHangup } from './restart-on-hangup.js';
import { notifyServiceManager } from './service-manager.js';
import { INTERRUPTED, StopSignals, untilSignal } from './stop-signals.js';
import { createStrategy, isRemoteStrategy } from './strategy.js';
import { isSuccessor, reportReadyToParent } from './successor-ready.js';
import { type ReloadableServer, readTLSFiles, reloadTLSOnSighup, tlsServerOptions } from './tls.js';
import { UsageError } from './usage-error.js';
import { superviseWorkers } from './workers.js';

/** Where the command writes (Python's `sys.stdout` / `sys.stderr`): the listening line goes to `out`, reports to `err`. */
export interface ServeIO {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/** Settings that are not options: the slow-import threshold (`SOCKSERVE_SLOW_IMPORT_MS`). */
export interface ServeSettings {
  readonly slowImportMs?: number;
  /** The command's arguments as given, for a restart's successor (SIGHUP); none: no restart. */
  readonly argv?: readonly string[];
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
  if (command.workers !== undefined) {
    return superviseWorkers(command, io, settings.argv ?? []);
  }
  const signals = new StopSignals((signal) => {
    io.err(`sockserve: ${signal} a third time, exiting now`);
    process.exit(1);
  });
  signals.install();
  try {
    const listen = resolveListen(command.listen);
    if (command.listen.transport === 'systemd' && command.proxyProtocol !== undefined)
      checkProxyFits(
        command.proxyProtocol,
        listen.transport,
        ` (--systemd ${command.listen.name})`,
      );
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
    const tls = command.tls === undefined ? undefined : readTLSFiles(command.tls);
    applyHandlerDeadlines(command.hardening, loaded.handlerClass, strategy);
    const { server, ready } = await startServer({
      listen,
      handler: { module: loaded.module, export: loaded.export },
      strategy,
      hardening: command.hardening,
      reusePort: command.reusePort,
      tls:
        tls === undefined || command.tls === undefined
          ? undefined
          : tlsServerOptions(command.tls, tls),
      proxyProtocol: command.proxyProtocol,
    });
    if ((await untilSignal(ready, signals.first)) === INTERRUPTED) {
      return await stopDuringStartUp(server, signals, command, io);
    }
    // SIGHUP re-reads the certificate files (TLS only; see ./tls.ts).
    const stopReload =
      command.tls === undefined
        ? () => {}
        : reloadTLSOnSighup(server as unknown as ReloadableServer, command.tls, (line) =>
            io.err(`sockserve: ${line}`),
          );
    try {
      return await serveUntilStopped(server, signals, command, io, settings.argv ?? []);
    } finally {
      stopReload();
    }
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

/** Why the server stops: a stop signal, or a restart whose successor is ready. */
type StopReason =
  | { readonly kind: 'signal'; readonly signal: NodeJS.Signals }
  | { readonly kind: 'restart'; readonly pid: number };

async function serveUntilStopped(
  server: AnyServer,
  signals: StopSignals,
  command: ServeCommand,
  io: ServeIO,
  argv: readonly string[],
): Promise<number> {
  let closing: Promise<unknown> | undefined;
  let forced = false;
  // Resolves once a forced close is done, even if the graceful one it overtook still waits.
  const forcedClose = Promise.withResolvers<void>();
  const stop = Promise.withResolvers<StopReason>();
  const remote = isRemoteStrategy(command.strategy);
  const stopLogging = command.output === 'verbose' ? logRequests(server, io.err, remote) : () => {};
  const warn = (line: string) => {
    if (command.output !== 'quiet') io.err(`sockserve: ${line}`);
  };
  const successor = isSuccessor();
  let closeHealth = async () => {};
  void signals.first.then((signal) => stop.resolve({ kind: 'signal', signal }));
  const stopHangups = restartOnHangup(server, command, io, argv, signals.first, (pid) =>
    stop.resolve({ kind: 'restart', pid }),
  );
  void stop.promise.then((reason) => {
    if (reason.kind === 'signal') {
      void notifyServiceManager('STOPPING=1', warn);
    } else {
      // Still the main process: hand that role to the successor (systemd NotifyAccess=main).
      void notifyServiceManager(`MAINPID=${reason.pid}`, warn);
      // The service is not draining, this process is: the successor alone answers checks.
      void closeHealth();
    }
    // SIGTERM is how balancers' orchestrators stop a server: keep accepting for --drain-delay.
    const delay = reason.kind === 'restart' || reason.signal === 'SIGTERM' ? command.drainDelay : 0;
    if (command.output !== 'quiet') {
      const draining = delay > 0 ? `draining for ${delay} ms, ` : '';
      const what =
        reason.kind === 'restart'
          ? `restarting: successor pid ${reason.pid} is ready; `
          : 'stopping: ';
      io.err(`${what}${draining}${server.strategy.active} running (signal again to force)`);
    }
    closing = server.drain({ delay, timeout: command.closeTimeout });
  });
  void signals.second.then((signal) => {
    forced = true;
    io.err(`sockserve: ${signal} again: cutting ${server.strategy.active} running requests`);
    void server.serverClose({ timeout: 0 }).then(() => forcedClose.resolve());
  });
  let code = 0;
  try {
    io.out(`listening on ${formatAddress(server.serverAddress)}`);
    closeHealth = await startHealthPorts(server, command, io.out);
    const serving = server.serveForever();
    // Once the serve loop runs: READY=1 (systemd Type=notify starts dependants on it), or to
    // the process that started us as its successor, which then drains.
    if (successor) reportReadyToParent(warn, formatAddress(server.serverAddress));
    else void notifyServiceManager('READY=1', warn);
    await serving;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    if ((error as { code?: unknown }).code === 'ERR_SOCKSERVE_SERVER_EXIT') {
      io.err(`sockserve: stopped by a handler: ${(error as Error).message}`);
    } else {
      io.err(`sockserve: the server stopped on an error: ${describe(error)}`);
      code = 1;
    }
  } finally {
    stopHangups();
    await Promise.race([
      closing ?? server.serverClose({ timeout: command.closeTimeout }),
      forcedClose.promise,
    ]);
    await closeHealth();
    stopLogging();
  }
  const reason = await Promise.race([stop.promise, Promise.resolve(undefined)]);
  if (reason?.kind === 'restart' && command.output !== 'quiet') {
    io.err(`restarted: handed over to pid ${reason.pid}`);
  }
  return forced ? 1 : code;
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
