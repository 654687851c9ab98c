/**
 * The paced one-client latency measurement of the forking benches (issue 19), from Node: runs
 * `peers/paced_client.py` — one client in a process of its own, a connection every `gap` ms —
 * and parses its JSON line. One implementation for `forking-spares.ts` and
 * `forking-handover.ts`, for sockserve and Python alike: a client in the bench's (or the
 * server's) own process added 0.5–0.9 ms of its event loop to every exchange.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLIENT = fileURLToPath(new URL('../peers/paced_client.py', import.meta.url));

/** How to pace the client. */
export interface PacedOptions {
  /** Exchanges counted. */
  readonly count: number;
  /** ms slept before each counted exchange. */
  readonly gapMs: number;
  /** Exchanges first, not counted (default 1). */
  readonly warmup?: number;
  /** The line sent (without its newline; default 63 × `a`). */
  readonly line?: string;
}

/** One exchange, on CLOCK_MONOTONIC (ns, as `process.hrtime.bigint()`). */
export interface PacedExchange {
  /** Right before the client's connect(). */
  readonly start: bigint;
  /** connect() returned. */
  readonly connected: bigint;
  /** The first byte of the answer (or the end of stream) was read. */
  readonly firstByte: bigint;
  /** The server closed (end of stream read). */
  readonly closed: bigint;
  /** The whole answer. */
  readonly reply: string;
}

/** Runs the paced client against `host:port`; rejects if it fails or prints no result. */
export function runPacedClient(
  host: string,
  port: number,
  options: PacedOptions,
): Promise<PacedExchange[]> {
  const args = [CLIENT, host, String(port), '--count', String(options.count)];
  args.push('--gap', String(options.gapMs), '--warmup', String(options.warmup ?? 1));
  if (options.line !== undefined) args.push('--line', options.line);
  const child = spawn('python3', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (out += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (err += text));
  const limit = options.count * (options.gapMs + 2000) + 30_000;
  const timer = setTimeout(() => child.kill('SIGKILL'), limit);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    // 'close', not 'exit': 'exit' can come before the last of stdout has been read.
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) {
        reject(new Error(`paced client ended (${code ?? signal}): ${err.trim()}`));
        return;
      }
      const { exchanges } = JSON.parse(out) as { exchanges: Array<Record<string, string>> };
      resolve(
        exchanges.map((e) => ({
          start: BigInt(e.start as string),
          connected: BigInt(e.connected as string),
          firstByte: BigInt(e.firstByte as string),
          closed: BigInt(e.closed as string),
          reply: e.reply as string,
        })),
      );
    });
  });
}

/** ms between two stamps. */
export const msBetween = (from: bigint, to: bigint): number => Number(to - from) / 1e6;
