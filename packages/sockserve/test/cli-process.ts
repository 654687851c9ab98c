/**
 * Runs the built `sockserve` command (dist/cli/main.js) as a child process, the way a user
 * does, from test/fixtures so handler modules are given as `./echo.mjs`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Teardown } from '@sockserve/test-support';

const MAIN = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
/** The fixtures folder, the command's working directory in the tests. */
export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** A `sockserve` process: its output so far, and how it ended. */
export class CliProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #waiters: Array<() => void> = [];

  /** `options.node`: Node options before the script (`--inspect=…`); `options.env`: added to the environment. */
  constructor(
    args: readonly string[],
    options: { node?: readonly string[]; env?: Record<string, string> } = {},
  ) {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: build first (pnpm build)`);
    this.child = spawn(process.execPath, [...(options.node ?? []), MAIN, ...args], {
      cwd: FIXTURES,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...options.env },
    });
    this.child.stdout?.setEncoding('utf8').on('data', (text: string) => {
      this.stdout += text;
      this.#wake();
    });
    this.child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      this.stderr += text;
      this.#wake();
    });
    this.exited = new Promise((resolve) => {
      // 'close': the process exited and its output pipes are drained.
      this.child.once('close', (code, signal) => {
        resolve({ code, signal });
        this.#wake();
      });
    });
  }

  /** True until the process has exited. */
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Waits for the `listening on ADDRESS` line and returns ADDRESS; rejects if the process ends first. */
  async listening(): Promise<string> {
    for (;;) {
      const match = /^listening on (.+)\n/.exec(this.stdout);
      if (match !== null) return match[1] as string;
      if (!this.running) {
        await this.exited; // its output drained: a last look, and the whole error to show
        const last = /^listening on (.+)\n/.exec(this.stdout);
        if (last !== null) return last[1] as string;
        throw new Error(`sockserve ended before listening: ${this.stderr || this.stdout}`);
      }
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** Waits until stderr matches `pattern` and returns the match; rejects if the process ends first. */
  async stderrMatching(pattern: RegExp): Promise<RegExpExecArray> {
    for (;;) {
      const match = pattern.exec(this.stderr);
      if (match !== null) return match;
      if (!this.running) {
        await this.exited; // its output drained: a last look
        const last = pattern.exec(this.stderr);
        if (last !== null) return last;
        throw new Error(`sockserve ended before printing ${pattern}: ${this.stderr}`);
      }
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** Sends `signal` (if still running) and resolves with the exit status. */
  async stop(signal: NodeJS.Signals = 'SIGTERM') {
    if (this.running) this.child.kill(signal);
    return this.exited;
  }

  #wake(): void {
    for (const wake of this.#waiters.splice(0)) wake();
  }
}

/** Runs `sockserve ARGS` to its end. */
export async function runCli(args: readonly string[]) {
  const cli = new CliProcess(args);
  const { code } = await cli.exited;
  return { code, stdout: cli.stdout, stderr: cli.stderr };
}

/** The port of a `HOST:PORT` address. */
export function portOf(address: string): number {
  return Number(address.slice(address.lastIndexOf(':') + 1));
}

/**
 * Starts `sockserve ARGS` (`options` as {@link CliProcess} takes them), killed in `teardown`,
 * and waits until it listens: the process and its port.
 */
export async function listeningCli(
  teardown: Teardown,
  args: readonly string[],
  options?: ConstructorParameters<typeof CliProcess>[1],
): Promise<{ cli: CliProcess; port: number }> {
  const cli = new CliProcess(args, options);
  teardown.add(() => cli.stop('SIGKILL'));
  return { cli, port: portOf(await cli.listening()) };
}
