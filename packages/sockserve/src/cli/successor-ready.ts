/**
 * The successor's side of a restart: when started by a restarting sockserve
 * (`SOCKSERVE_READY_FD` set, see `./restart.ts`), say `READY=1` on that descriptor once the
 * serve loop runs, close it, and remove the variable so our own successors don't inherit it.
 */
import { closeSync, writeSync } from 'node:fs';
import { READY_FD_VARIABLE } from './restart.js';

/** True when this process was started as a restart's successor (and must not send systemd `READY=1` again). */
export function isSuccessor(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[READY_FD_VARIABLE] !== undefined;
}

/**
 * Tells the parent (a restarting sockserve, or the `--workers` supervisor) we serve, and on
 * which address (`LISTENING=127.0.0.1:8000`: the port a `--reuse-port` worker bound for port 0);
 * a failure (the parent gone) is reported through `warn`.
 */
export function reportReadyToParent(
  warn: (line: string) => void,
  address: string,
  env: NodeJS.ProcessEnv = process.env,
): void {
  const text = env[READY_FD_VARIABLE];
  delete env[READY_FD_VARIABLE];
  if (text === undefined) return;
  const fd = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(fd) || fd < 3) {
    warn(
      `${READY_FD_VARIABLE}=${JSON.stringify(text)} is not a descriptor number; not reporting ready`,
    );
    return;
  }
  try {
    writeSync(fd, `READY=1\nLISTENING=${address}\n`);
    closeSync(fd);
  } catch (error) {
    warn(`cannot report ready to the restarting process: ${(error as Error).message}`);
  }
}
