/**
 * Starts an example server as a child process and waits for its `listening on …` line;
 * used by the demo and the examples' tests.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** A running example server. */
export interface RunningExample {
  readonly child: ChildProcess;
  /** What followed `listening on `. */
  readonly address: string;
  /** The port, for Internet servers. */
  readonly port: number;
  /** Lines the server printed after the listening line. */
  readonly output: string[];
  /**
   * Resolves with {@link output} once it holds at least `count` lines; rejects if the
   * server's stdout ends first. Read output this way, not after {@link stop}: Node may emit
   * the child's `'exit'` before the last of its stdout was read.
   */
  waitForOutput(count: number): Promise<string[]>;
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Absolute path of a file in examples/. */
export function examplePath(name: string): string {
  return fileURLToPath(new URL(`../${name}`, import.meta.url));
}

/**
 * Spawns `node examples/<name> ...args` and waits until it is listening. `runtime` replaces
 * `node` (e.g. `['bun']`, `['deno', 'run', '-A']`).
 */
export async function startExample(
  name: string,
  args: readonly string[],
  runtime: readonly string[] = [process.execPath],
): Promise<RunningExample> {
  const [command = process.execPath, ...runtimeArgs] = runtime;
  const child = spawn(command, [...runtimeArgs, examplePath(name), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const output: string[] = [];
  const outputWaiters = new Set<() => void>();
  let stdoutEnded = false;
  lines.once('close', () => {
    stdoutEnded = true;
    for (const wake of outputWaiters) wake();
  });
  const address = await new Promise<string>((resolve, reject) => {
    lines.on('line', (line) => {
      if (line.startsWith('listening on ')) resolve(line.slice('listening on '.length));
      else output.push(line);
      for (const wake of outputWaiters) wake();
    });
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before listening`)));
  });
  return {
    child,
    address,
    port: Number(address.slice(address.lastIndexOf(':') + 1)),
    output,
    waitForOutput(count) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (output.length >= count) resolve(output);
          else if (stdoutEnded)
            reject(new Error(`${name} printed ${output.length} of ${count} lines: ${output}`));
          else return;
          outputWaiters.delete(check);
        };
        outputWaiters.add(check);
        check();
      });
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const [code] = (await exited) as [number | null];
      return code;
    },
  };
}

/**
 * Runs a client program to completion and returns its stdout. Killed after 90 s: a ceiling
 * for a hung program, not a pace — the demo (2 s of CPU) took 22 s of wall time at load 27,
 * past the 20 s this was.
 */
export function runClient(
  command: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { env: { ...process.env, ...env }, timeout: 90_000 },
      (error, stdout, stderr) => {
        if (error)
          reject(new Error(`${command} ${args.join(' ')} failed: ${error.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}
