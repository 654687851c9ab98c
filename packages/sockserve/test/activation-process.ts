/**
 * Runs the built `sockserve` command under the real `systemd-socket-activate` (Debian's
 * systemd package), which binds the `-l` sockets, waits for the first connection or
 * datagram, then execs the command with them on fd 3 onwards and LISTEN_FDS / LISTEN_PID /
 * LISTEN_FDNAMES set.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { FIXTURES } from './cli-process.js';

const MAIN = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

/**
 * A free loopback port: bind port 0, read the port, close. systemd-socket-activate needs a
 * number up front; another process could take the port in between: its bind then fails with
 * "Address already in use" (socket-activation.test.ts starts it again on new ports).
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, host, resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** `systemd-socket-activate ACTIVATE node sockserve SERVE`, with its output collected. */
export class ActivatedCommand {
  readonly child: ChildProcess;
  output = '';
  readonly exited: Promise<number | null>;
  #waiters: Array<() => void> = [];

  constructor(
    activate: readonly string[],
    serve: readonly string[],
    env: Record<string, string> = {},
  ) {
    this.child = spawn(
      'systemd-socket-activate',
      [...activate, process.execPath, MAIN, 'serve', ...serve],
      { cwd: FIXTURES, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } },
    );
    for (const stream of [this.child.stdout, this.child.stderr]) {
      stream?.setEncoding('utf8').on('data', (text: string) => {
        this.output += text;
        for (const wake of this.#waiters.splice(0)) wake();
      });
    }
    this.exited = new Promise((resolve) =>
      this.child.once('close', (code) => {
        resolve(code);
        for (const wake of this.#waiters.splice(0)) wake();
      }),
    );
  }

  /** Waits until the output has `count` matches of `pattern` (e.g. one "Listening on" per -l). */
  async waitFor(pattern: RegExp, count = 1): Promise<void> {
    const global = new RegExp(pattern.source, 'g');
    for (;;) {
      if ((this.output.match(global)?.length ?? 0) >= count) return;
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        await this.exited; // its output drained: a last look
        if ((this.output.match(global)?.length ?? 0) >= count) return;
        throw new Error(`ended before ${pattern}: ${this.output}`);
      }
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** Stops it: SIGTERM once sockserve runs (a graceful stop), SIGKILL before the exec. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill(/Execing/.test(this.output) ? signal : 'SIGKILL');
    }
    return this.exited;
  }
}

/** Runs `socat ARGS` with `input` on stdin and resolves with its stdout. */
export function socat(args: readonly string[], input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('socat', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (out += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (err += text));
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`socat ${code}: ${err}`)),
    );
    child.stdin.end(input);
  });
}
