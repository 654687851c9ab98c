/**
 * Runs a README sample marked `run` as a user would (`node FILE`, or the `sh` line with the
 * project's `node_modules/.bin` on PATH), waits for its `listening on …` line and reads the port.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { ReadmeSample } from './readme-samples.ts';
import type { SampleProject } from './sample-project.ts';

/** A sample server that printed its listening line. */
export interface RunningSample {
  readonly child: ChildProcess;
  readonly port: number;
  /** Everything the process wrote to stderr so far (for failure messages). */
  stderr(): string;
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** The port in a listening line: `… port: 4321 }` (an inspected address) or `…:4321`. */
export function listeningPort(line: string): number | undefined {
  const match = /port: (\d+)/.exec(line) ?? /:(\d+)\s*$/.exec(line);
  return match ? Number(match[1]) : undefined;
}

/**
 * Starts the sample and waits for `listening on`. `runtime` is the command that runs a script
 * (default: this Node); e.g. `['bun']` or `['deno', 'run', '-A']` to try another runtime.
 */
export async function startSample(
  project: SampleProject,
  sample: ReadmeSample,
  runtime: readonly string[] = [process.execPath],
): Promise<RunningSample> {
  const file = project.pathOf(sample);
  const cwd = dirname(file);
  let child: ChildProcess;
  if (sample.lang === 'sh') {
    const lines = sample.code.trim().split('\n');
    if (lines.length !== 1) throw new Error(`${sample.file}: a runnable sh sample is one command`);
    let command = (lines[0] ?? '').replace(/^npx /, '').replaceAll('9999', '0');
    if (runtime[0] !== process.execPath) {
      const cli = join(project.dir, 'node_modules/sockserve/dist/cli/main.js');
      command = command.replace(/^sockserve /, `${runtime.join(' ')} ${cli} `);
    }
    const path = `${join(project.dir, 'node_modules/.bin')}:${dirname(process.execPath)}:${process.env.PATH}`;
    child = spawn('bash', ['-c', `exec ${command}`], {
      cwd,
      env: { ...process.env, PATH: path },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } else {
    const [command = process.execPath, ...args] = runtime;
    child = spawn(command, [...args, file], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  }
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = once(child, 'exit');
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const port = await new Promise<number>((resolve, reject) => {
    // Bun prints an inspected address over several lines: read on until the port.
    let pending: string | undefined;
    lines.on('line', (line) => {
      if (line.startsWith('listening on')) pending = '';
      if (pending === undefined) return;
      pending += line;
      const found = listeningPort(pending);
      if (found !== undefined) {
        pending = undefined;
        resolve(found);
      }
    });
    child.once('exit', (code) =>
      reject(new Error(`${sample.file} exited with ${code} before listening:\n${stderr}`)),
    );
  });
  return {
    child,
    port,
    stderr: () => stderr,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const [code] = (await exited) as [number | null];
      return code;
    },
  };
}

/** Sends one line over TCP to 127.0.0.1:port and resolves with the first line of the reply. */
export async function exchangeLine(port: number, line: string): Promise<string> {
  const socket = connect({ host: '127.0.0.1', port });
  try {
    await once(socket, 'connect');
    socket.write(`${line}\n`);
    const reply = createInterface({ input: socket });
    const closed = once(socket, 'close').then(() => {
      throw new Error(`the server on port ${port} closed the connection without a reply`);
    });
    const [first] = (await Promise.race([once(reply, 'line'), closed])) as [string];
    reply.close();
    return first;
  } finally {
    socket.destroy();
  }
}
