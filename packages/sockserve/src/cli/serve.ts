/**
 * `sockserve serve`: load the handler, open the server, print `listening on ADDRESS` once it
 * takes traffic, serve until SIGINT or SIGTERM, then `shutdown()` and `serverClose()` (running
 * requests finish first) and exit 0 — Python's `with server: server.serve_forever()` with a
 * `KeyboardInterrupt` handler.
 */
import { formatAddress } from '@sockserve/core';
import type { ServeCommand } from './args.js';
import { checkHandlerFits, loadHandlerModule } from './handler-module.js';
import { openServer } from './open-server.js';
import { createStrategy } from './strategy.js';

/** Where the command writes (Python's `sys.stdout` / `sys.stderr`): the listening line goes to `out`, reports to `err`. */
export interface ServeIO {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * Python's `with server: server.serve_forever()` with a `KeyboardInterrupt` handler. Runs `command` until a stop signal; resolves with the exit code: 0 after a graceful stop
 * (also when a handler threw `ServerExit`, Python's `SystemExit`), 1 when the serve loop
 * failed. Start-up problems reject with a `UsageError`.
 */
export async function serve(command: ServeCommand, io: ServeIO): Promise<number> {
  const stop = new AbortController();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals === 1) {
      stop.abort(signal);
      return;
    }
    // A second signal while running requests finish: stop waiting for them.
    io.err(`sockserve: ${signal} again, exiting without waiting for running requests`);
    process.exit(1);
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  try {
    const loaded = await loadHandlerModule(command.handler);
    checkHandlerFits(loaded, command.listen.transport, command.handler);
    const strategy = await createStrategy<never>(command.strategy);
    const server = await openServer(
      command.listen,
      { module: loaded.module, export: loaded.export },
      strategy,
    );
    try {
      if (!stop.signal.aborted) io.out(`listening on ${formatAddress(server.serverAddress)}`);
      await server.serveForever({ signal: stop.signal });
      return 0;
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ERR_SOCKSERVE_SERVER_EXIT') {
        io.err(`sockserve: stopped by a handler: ${(error as Error).message}`);
        return 0;
      }
      io.err(`sockserve: the server stopped on an error: ${describe(error)}`);
      return 1;
    } finally {
      await server.serverClose();
    }
  } finally {
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
