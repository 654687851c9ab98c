/**
 * The command's SIGHUP: a zero-downtime restart (see `./restart.ts`). Kept to this one small
 * function so another SIGHUP action (a certificate reload) can be composed with it. A SIGHUP
 * while a restart is under way, or once the server stops, is ignored with a line on stderr;
 * a restart that fails leaves this process serving.
 */
import type { ServeCommand } from './args.js';
import type { AnyServer } from './open-server.js';
import { startSuccessor } from './restart.js';
import type { ServeIO } from './serve.js';

/**
 * Installs the SIGHUP handler; `handOver(pid)` runs once a successor is ready (the caller
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
  const onHangup = () => {
    if (busy || over) {
      io.err(`sockserve: SIGHUP ignored: ${busy ? 'a restart is under way' : 'stopping'}`);
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
  process.on('SIGHUP', onHangup);
  return () => process.off('SIGHUP', onHangup);
}
