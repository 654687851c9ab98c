/**
 * The load generator, from Node: builds `loadgen/sockload.c` with the machine's C compiler
 * (once; rebuilt when the source changes), runs it against a server and parses its JSON line.
 * Also builds and runs the independent yardstick (`../shared/bench/loadgen.c`, next to the
 * repository) when that file exists, so the two can be compared in the same run.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RunningServer, Transport } from './processes.ts';

/** What one load run reports (latencies in microseconds). */
export interface LoadResult {
  readonly requests: number;
  readonly errors: number;
  readonly seconds: number;
  readonly rps: number;
  readonly p50_us: number;
  readonly p90_us: number;
  readonly p99_us: number;
  readonly max_us: number;
  /** The load generator's own CPU time / wall time (1 = a core saturated); absent for the yardstick. */
  readonly cpu?: number;
}

/** How to load a server. */
export interface LoadOptions {
  readonly conns: number;
  readonly duration: number;
  readonly warmup?: number;
  readonly perRequest?: boolean;
  readonly payload?: number;
  readonly maxRequests?: number;
  readonly timeoutMs?: number;
}

const BUILD_DIR = fileURLToPath(new URL('../.build/', import.meta.url));
const SOURCE = fileURLToPath(new URL('../loadgen/sockload.c', import.meta.url));
/** Where the independent yardstick lives, relative to the repository root (for messages). */
export const YARDSTICK_NAME = '../shared/bench/loadgen.c';
/** The yardstick's source on this machine: {@link YARDSTICK_NAME} resolved from the repository. */
export const YARDSTICK_SOURCE = fileURLToPath(new URL(`../../${YARDSTICK_NAME}`, import.meta.url));

function compile(source: string, output: string): string {
  mkdirSync(BUILD_DIR, { recursive: true });
  const binary = BUILD_DIR + output;
  if (existsSync(binary) && statSync(binary).mtimeMs >= statSync(source).mtimeMs) return binary;
  try {
    execFileSync(process.env.CC ?? 'cc', ['-O2', '-o', binary, source], { stdio: 'pipe' });
  } catch (error) {
    const detail = (error as { stderr?: Buffer }).stderr?.toString() ?? (error as Error).message;
    throw new Error(`building ${source} needs a C compiler (cc, or $CC): ${detail.trim()}`);
  }
  return binary;
}

/** Builds the bench's load generator; returns the binary's path. */
export function buildSockload(): string {
  return compile(SOURCE, 'sockload');
}

/** Builds the yardstick, or returns undefined when its source isn't on this machine. */
export function buildYardstick(): string | undefined {
  return existsSync(YARDSTICK_SOURCE) ? compile(YARDSTICK_SOURCE, 'yardstick-loadgen') : undefined;
}

function targetFlag(transport: Transport, address: string): string[] {
  return [`--${transport}`, address];
}

function runJson(binary: string, args: string[], limitMs: number): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (out += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (err += text));
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    // 'close', not 'exit': 'exit' can come before the last of stdout is read (the JSON line),
    // which failed a CI smoke run under load with exit code 0 and no result.
    child.once('close', (code) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').pop() ?? '';
      if (code === 0 && line.startsWith('{')) resolve(JSON.parse(line) as LoadResult);
      else reject(new Error(`${binary} ${args.join(' ')} failed (${code}): ${err.trim()}`));
    });
  });
}

/** Runs the bench's load generator against `server`. */
export function runLoad(
  binary: string,
  server: RunningServer,
  options: LoadOptions,
): Promise<LoadResult> {
  const args = [
    ...targetFlag(server.transport, server.address),
    '--conns',
    String(options.conns),
    '--duration',
    String(options.duration),
    '--warmup',
    String(options.warmup ?? 0),
    '--payload',
    String(options.payload ?? 64),
    '--timeout-ms',
    String(options.timeoutMs ?? 2000),
    ...(options.maxRequests === undefined ? [] : ['--max-requests', String(options.maxRequests)]),
    ...(options.perRequest === true ? ['--per-request'] : []),
  ];
  const limit = ((options.warmup ?? 0) + options.duration) * 1000 + 15_000;
  return runJson(binary, args, limit);
}

/** Runs the yardstick with the same load (it has no warm-up of its own). */
export function runYardstick(
  binary: string,
  server: RunningServer,
  options: LoadOptions,
): Promise<LoadResult> {
  const args = [
    ...targetFlag(server.transport, server.address),
    '--conns',
    String(options.conns),
    '--duration',
    String(options.duration),
    '--payload',
    String(options.payload ?? 64),
    ...(options.perRequest === true ? ['--connect-per-request'] : []),
  ];
  return runJson(binary, args, options.duration * 1000 + 15_000);
}

/** Connections held open by the load generator's `--hold` mode. */
export interface HeldConnections {
  readonly held: number;
  readonly errors: number;
  /** Closes the connections and waits for the load generator to exit. */
  release(): Promise<void>;
}

/** Opens `count` idle connections to `server` (one round trip each, then silence). */
export function holdConnections(
  binary: string,
  server: RunningServer,
  count: number,
): Promise<HeldConnections> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      binary,
      [...targetFlag(server.transport, server.address), '--hold', String(count)],
      {
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    let out = '';
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => (err += text));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      out += text;
      if (!out.includes('\n')) return;
      clearTimeout(timer);
      const { held, errors } = JSON.parse(out) as { held: number; errors: number };
      resolve({
        held,
        errors,
        release: async () => {
          child.stdin.end();
          const late = setTimeout(() => child.kill('SIGKILL'), 10_000);
          await exited;
          clearTimeout(late);
        },
      });
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`sockload --hold ${count} ended early: ${err.trim()}`));
    });
  });
}
