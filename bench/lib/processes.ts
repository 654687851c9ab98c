/**
 * Starting and stopping the servers under test. Each runs in its own process group (so a
 * forking server's children can be found and stopped with it), listens on port 0 or a path
 * in this run's temporary directory, and is ready when it prints `listening on ADDR`.
 * Every process started here is tracked and stopped before the bench exits.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The transports of the bench. */
export type Transport = 'tcp' | 'udp' | 'unix' | 'unixdgram';

/** A server to start: the command and its flags, without the address flags. */
export interface ServerSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly transport: Transport;
}

/** How a stop went: the exit code (0 expected), and whether anything had to be killed. */
export interface StopReport {
  readonly code: number | null;
  readonly signal: string | null;
  readonly killed: boolean;
  readonly leftovers: boolean;
}

/** A started server. */
export interface RunningServer {
  readonly pid: number;
  /** What followed `listening on`: `HOST:PORT` or a path. */
  readonly address: string;
  readonly transport: Transport;
  /** The last lines of its standard error, for diagnostics. */
  stderr(): string;
  stop(): Promise<StopReport>;
}

const live = new Set<ChildProcess>();
let runDir: string | undefined;
let sequence = 0;

/** This run's private directory for Unix socket paths (removed by {@link stopEverything}). */
export function socketPath(name: string): string {
  runDir ??= mkdtempSync(join(tmpdir(), 'sockserve-bench-'));
  return join(runDir, `${++sequence}-${name}`);
}

function addressArgs(transport: Transport): string[] {
  return transport === 'tcp' || transport === 'udp'
    ? ['--host', '127.0.0.1', '--port', '0']
    : ['--path', socketPath(`${transport}.sock`)];
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Starts `spec` and resolves once it prints `listening on …` (rejects after `timeoutMs`). */
export function startServer(
  spec: ServerSpec,
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<RunningServer> {
  const child = spawn(spec.command, [...spec.args, ...addressArgs(spec.transport)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: options.env ?? process.env,
  });
  live.add(child);
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    stderr = (stderr + text).slice(-4000);
  });
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    }),
  );
  const stop = async (): Promise<StopReport> => {
    const pid = child.pid as number;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = new Promise<'late'>((resolve) => setTimeout(resolve, 8000, 'late').unref());
    let killed = false;
    let outcome = await Promise.race([exited, timer]);
    if (outcome === 'late') {
      killed = true;
      killGroup(pid);
      outcome = await exited;
    }
    const leftovers = groupAlive(pid);
    if (leftovers) killGroup(pid);
    return { ...outcome, killed, leftovers };
  };
  return new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => {
      void stop();
      reject(
        new Error(`${describe(spec)} printed no "listening on" line in time; stderr: ${stderr}`),
      );
    }, options.timeoutMs ?? 15_000);
    child.stdout?.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
      const match = /^listening on (.+)$/m.exec(stdout);
      if (match === null) return;
      clearTimeout(timer);
      child.stdout?.removeAllListeners('data').resume();
      resolve({
        pid: child.pid as number,
        address: (match[1] as string).trim(),
        transport: spec.transport,
        stderr: () => stderr,
        stop,
      });
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(
        new Error(
          `${describe(spec)} exited (${code ?? signal}) before listening: ${stderr.trim()}`,
        ),
      );
    });
  });
}

/** `command args…` as a short line. */
export function describe(spec: ServerSpec): string {
  return [spec.command.endsWith('node') ? 'node' : spec.command, ...spec.args].join(' ');
}

/** Kills whatever is still running (process groups included) and removes the temporary directory. */
export function stopEverything(): void {
  for (const child of live) if (child.pid !== undefined) killGroup(child.pid);
  live.clear();
  if (runDir !== undefined) rmSync(runDir, { recursive: true, force: true });
  runDir = undefined;
}

/** Runs {@link stopEverything} on exit and on SIGINT / SIGTERM (then exits 130 / 143). */
export function cleanUpOnExit(): void {
  process.once('exit', stopEverything);
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.once(signal, () => {
      stopEverything();
      process.exit(code);
    });
  }
}
