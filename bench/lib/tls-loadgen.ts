/**
 * The TLS bench's C handshake client (`loadgen/tlsload.c`, OpenSSL): built with the machine's
 * C compiler and OpenSSL's headers (`cc … -lssl -lcrypto`; once, rebuilt when the source
 * changes), run against a server, its JSON line parsed. Where it can't be built (no compiler,
 * no `libssl-dev`), {@link buildTlsload} says why and the bench falls back to Node's client.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const BUILD_DIR = fileURLToPath(new URL('../.build/', import.meta.url));
const SOURCE = fileURLToPath(new URL('../loadgen/tlsload.c', import.meta.url));

/** What one run of the C client reports. */
export interface TlsloadResult {
  /** Full handshakes (each with one request) after the warm-up, and their rate. */
  readonly handshakes: number;
  readonly rate: number;
  /** Handshakes over the whole run, warm-up included. */
  readonly all: number;
  readonly errors: number;
  readonly seconds: number;
  /** The client's CPU per handshake over the whole run (µs). */
  readonly cpuMicrosPerHandshake: number;
  /** The client's CPU time / wall time after the warm-up (1 = a core saturated). */
  readonly cpu: number;
}

/** Builds the client; returns its path, or `{ unavailable: why }`. */
export function buildTlsload(): string | { unavailable: string } {
  mkdirSync(BUILD_DIR, { recursive: true });
  const binary = `${BUILD_DIR}tlsload`;
  if (existsSync(binary) && statSync(binary).mtimeMs >= statSync(SOURCE).mtimeMs) return binary;
  try {
    execFileSync(process.env.CC ?? 'cc', ['-O2', '-o', binary, SOURCE, '-lssl', '-lcrypto'], {
      stdio: 'pipe',
    });
  } catch (error) {
    const detail = (error as { stderr?: Buffer }).stderr?.toString() ?? (error as Error).message;
    return {
      unavailable: `building ${SOURCE} needs cc and OpenSSL's headers (libssl-dev): ${detail.trim().split('\n')[0]}`,
    };
  }
  return binary;
}

/**
 * Runs `concurrency` connections in flight against 127.0.0.1:`port` for 1 s + `seconds`; on
 * the CPUs `cpus` (`taskset -c` list) when given.
 */
export function runTlsload(
  binary: string,
  port: number,
  concurrency: number,
  seconds: number,
  cpus?: string,
): Promise<TlsloadResult> {
  const args = [
    '--tcp',
    `127.0.0.1:${port}`,
    '--conns',
    String(concurrency),
    '--duration',
    String(seconds),
    '--warmup',
    '1',
  ];
  return new Promise((resolve, reject) => {
    const [command, argv] =
      cpus === undefined ? [binary, args] : ['taskset', ['-c', cpus, binary, ...args]];
    const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (out += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (err += text));
    const timer = setTimeout(() => child.kill('SIGKILL'), (seconds + 1) * 1000 + 15_000);
    // 'close', not 'exit': 'exit' can come before the last of stdout is read (the JSON line),
    // which failed a CI smoke run under load with exit code 0 and no result.
    child.once('close', (code) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').pop() ?? '';
      if (code === 0 && line.startsWith('{')) resolve(JSON.parse(line) as TlsloadResult);
      else reject(new Error(`tlsload ${args.join(' ')} failed (${code}): ${err.trim()}`));
    });
  });
}
