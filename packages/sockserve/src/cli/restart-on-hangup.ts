/**
 * The command's restart signals: a zero-downtime restart (see `./restart.ts`) on SIGUSR2, and
 * on SIGHUP too unless the command serves TLS, where SIGHUP re-reads the certificates in
 * place (`./tls.ts`; cheaper, nothing restarts) — a TLS server restarts on SIGUSR2, as nginx
 * upgrades its binary on USR2. A restart signal while a restart is under way, or once the
 * server stops, is ignored with a line on stderr; a restart that fails leaves this process
 * serving.
 */
import type { ServeCommand } from './args.js';
import type { AnyServer } from './open-server.js';
import { startSuccessor } from './restart.js';
import type { ServeIO } from './serve.js';

/** The signals that restart the command: SIGHUP belongs to the certificate reload under TLS. */
export function restartSignals(command: ServeCommand): readonly NodeJS.Signals[] {
  return command.tls === undefined ? ['SIGHUP', 'SIGUSR2'] : ['SIGUSR2'];
}

/**
 * Installs the restart handlers ({@link restartSignals}); `handOver(pid)` runs once a successor is ready (the caller
 * drains). Returns a function that removes the handler.
 */
export function restartOnHangup(
  server: AnyServer,
  command: ServeCommand,
  io: ServeIO,
  argv: readonly string[],
  stopped: Promise<unknown>,
  handOver: (pid: number) => void,
): () => void {
  let busy = false;
  let over = false;
  void stopped.then(() => {
    over = true;
  });
  const onHangup = (signal: NodeJS.Signals) => {
    if (busy || over) {
      io.err(`sockserve: ${signal} ignored: ${busy ? 'a restart is under way' : 'stopping'}`);
      return;
    }
    busy = true;
    if (command.output !== 'quiet') io.err('restarting: starting a successor');
    const launch = {
      execPath: process.execPath,
      execArgv: process.execArgv,
      script: process.argv[1] ?? '',
      argv,
    };
    void startSuccessor(server, command.listen, launch, stopped).then((outcome) => {
      busy = false;
      if (!outcome.ok) {
        io.err(`sockserve: restart failed: ${outcome.reason}; still serving`);
        return;
      }
      over = true;
      handOver(outcome.pid);
    });
  };
  const signals = restartSignals(command);
  for (const signal of signals) process.on(signal, onHangup);
  return () => {
    for (const signal of signals) process.off(signal, onHangup);
  };
}
