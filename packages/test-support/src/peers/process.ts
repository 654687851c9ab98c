/**
 * A foreground peer process (HAProxy, nginx) for tests: started with a generated config in a
 * temp dir, its output kept for error messages, stopped with SIGTERM in teardown and checked
 * to have exited (SIGKILL and an error if it does not within 10 s).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running peer process. */
export interface PeerProcess {
  readonly child: ChildProcess;
  /** The temp dir holding its config, pid and logs (removed by `stop`). */
  readonly dir: string;
  /** What it wrote on stdout and stderr so far. */
  output(): string;
  /**
   * Resolves when it exited (with its code or signal) and its stdout and stderr are drained
   * ('close', not 'exit': 'exit' can come before the last output, e.g. a bind error, is read).
   */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, wait for the exit, remove the temp dir. Rejects if it had to be killed. */
  stop(): Promise<void>;
}

/** Makes a temp dir for a peer's files. */
export function peerDir(name: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `sockserve-${name}-`));
}

/** Starts `command args` in the foreground. */
export function startProcess(command: string, args: string[], dir: string): PeerProcess {
  const child = spawn(command, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (text: string) => (output += text));
  child.stderr?.setEncoding('utf8').on('data', (text: string) => (output += text));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal }));
    child.once('error', (error) => {
      output += String(error);
      resolve({ code: -1, signal: null });
    });
  });
  return {
    child,
    dir,
    exited,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const killed = await Promise.race([
        exited.then(() => false),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), 10_000);
        }),
      ]);
      clearTimeout(timer);
      if (killed) {
        child.kill('SIGKILL');
        // A descendant still holding the pipes would keep 'close' away: stop reading them.
        child.stdout?.destroy();
        child.stderr?.destroy();
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
      if (killed) throw new Error(`${command} did not exit on SIGTERM within 10 s`);
    },
  };
}
