/**
 * `--workers N`: this process supervises N server processes on one TCP address (gunicorn's
 * and node:cluster's shape; Python's socketserver has no counterpart) and serves nothing
 * itself.
 *
 * - Shared socket (default): the supervisor binds the address without listening (Node's
 *   `net._createServerHandle`, what node:cluster's primary does), so it never accepts, and
 *   each worker gets the socket on fd 3 (`--tcp fd:3`) and listens on it: one kernel queue,
 *   each connection taken by whichever worker accepts first. With `--tcp fd:N` the inherited
 *   socket itself is shared.
 * - `--reuse-port`: each worker binds its own socket with SO_REUSEPORT and the kernel spreads
 *   connections by a hash of the client's address and port. Port 0: the first worker's port.
 *   A dying worker's queued connections are lost unless `net.ipv4.tcp_migrate_req = 1`
 *   (Linux >= 5.14) moves them to another socket of the group; see docs/deployment.md.
 *
 * Each worker says `READY=1` on its fd 4 once it serves (as a restart's successor does); the
 * `listening on` line and systemd's `READY=1` come once all are ready. A worker that dies is
 * replaced after a back-off (100 ms, doubling per death in a row up to 10 s; a worker that
 * lived 10 s resets it). SIGTERM / SIGINT go to every worker, which drain (`--drain-delay`,
 * `--close-timeout`); a second signal forces them; a third kills them. Exit 0 when every
 * worker stopped with 0.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import { getSystemErrorName } from 'node:util';
import { formatAddress, inetAddress } from '@sockserve/core';
import type { ServeCommand } from './args.js';
import { READY_FD_VARIABLE } from './restart.js';
import type { ServeIO } from './serve.js';
import { notifyServiceManager } from './service-manager.js';
import { STOP_SIGNALS } from './stop-signals.js';
import { ADDRESS_OPTIONS, withoutOptions } from './successor-args.js';
import { UsageError } from './usage-error.js';

const FIRST_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 10_000;
const STABLE_AFTER_MS = 10_000;

/** One worker place: the process in it now, and its deaths in a row. */
interface Slot {
  readonly index: number;
  child: ChildProcess | undefined;
  startedAt: number;
  deaths: number;
}

/** Node's internal bound-not-listening handle (node:cluster's primary uses the same). */
interface ServerHandle {
  readonly fd: number;
  getsockname(out: { address?: string; port?: number }): number;
  close(): void;
}

/** Runs the supervisor until the workers stopped; resolves with the exit code. */
export async function superviseWorkers(
  command: ServeCommand,
  io: ServeIO,
  argv: readonly string[],
): Promise<number> {
  const listen = command.listen;
  if (listen.transport !== 'tcp') throw new UsageError('--workers needs --tcp');
  const say = (line: string) => {
    if (command.output !== 'quiet') io.err(line);
  };
  const warn = (line: string) => say(`sockserve: ${line}`);
  const drop = new Set(['workers', ...(command.reusePort ? [] : ADDRESS_OPTIONS)]);
  let handle: ServerHandle | undefined;
  let shared: number | undefined;
  let address = '';
  let workerArgs: string[];
  if (command.reusePort) {
    workerArgs = withoutOptions(argv, drop, []);
  } else if ('fd' in listen) {
    shared = listen.fd;
    workerArgs = withoutOptions(argv, drop, ['--tcp=fd:3']);
  } else {
    handle = await bindWithoutListening(listen.address.host, listen.address.port);
    shared = handle.fd;
    const bound: { address?: string; port?: number } = {};
    handle.getsockname(bound);
    address = formatAddress(inetAddress(bound.address, bound.port));
    workerArgs = withoutOptions(argv, drop, ['--tcp=fd:3']);
  }

  const slots: Slot[] = Array.from({ length: command.workers ?? 1 }, (_, index) => ({
    index,
    child: undefined,
    startedAt: 0,
    deaths: 0,
  }));
  let stopping = 0;
  let failedExit = false;
  const allExited = Promise.withResolvers<void>();
  const timers = new Set<NodeJS.Timeout>();

  const start = (slot: Slot, args: readonly string[]): Promise<string | undefined> => {
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1] ?? '', ...args], {
      stdio: ['ignore', 'inherit', 'inherit', shared ?? 'ignore', 'pipe'],
      env: { ...process.env, [READY_FD_VARIABLE]: '4' },
    });
    slot.child = child;
    slot.startedAt = performance.now();
    const ready = Promise.withResolvers<string | undefined>();
    let said = '';
    const pipe = child.stdio[4] as NodeJS.ReadableStream & { destroy(): void };
    pipe.setEncoding('utf8');
    pipe.on('data', (text: string) => {
      said += text;
      if (/^READY=1$/m.test(said) && /\n$/.test(said)) {
        ready.resolve(/^LISTENING=(.*)$/m.exec(said)?.[1] ?? '');
        pipe.destroy();
      }
    });
    child.once('exit', (code, signal) => {
      ready.resolve(undefined);
      slot.child = undefined;
      if (code !== 0 && stopping > 0) failedExit = true;
      if (stopping > 0) {
        if (slots.every((s) => s.child === undefined)) allExited.resolve();
        return;
      }
      const lived = performance.now() - slot.startedAt;
      slot.deaths = lived >= STABLE_AFTER_MS ? 1 : slot.deaths + 1;
      const delay = Math.min(FIRST_BACKOFF_MS * 2 ** (slot.deaths - 1), MAX_BACKOFF_MS);
      warn(
        `worker ${slot.index + 1} (pid ${child.pid}) exited (${signal ?? `exit code ${code}`}); replacing it in ${delay} ms`,
      );
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (stopping > 0) return;
        void start(slot, workerArgs).then((ready) => {
          if (ready !== undefined) say(`worker ${slot.index + 1}: pid ${slot.child?.pid} ready`);
        });
      }, delay);
      timers.add(timer);
    });
    return ready.promise;
  };

  const onSignal = (signal: NodeJS.Signals) => {
    stopping += 1;
    for (const timer of timers) clearTimeout(timer);
    if (stopping === 1) {
      void notifyServiceManager('STOPPING=1', warn);
      say(`stopping: ${slots.filter((s) => s.child).length} workers (signal again to force)`);
    }
    for (const slot of slots) slot.child?.kill(stopping >= 3 ? 'SIGKILL' : signal);
    if (slots.every((s) => s.child === undefined)) allExited.resolve();
  };
  const onHangup = () =>
    warn('SIGHUP with --workers: restarting the workers is not supported yet; ignored');
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  process.on('SIGHUP', onHangup);
  try {
    // The first worker alone with --reuse-port and port 0: the others bind the port it got.
    const [first, ...rest] = slots as [Slot, ...Slot[]];
    const stopAll = async (): Promise<number> => {
      warn('a worker exited before it was ready; stopping');
      stopping += 1;
      for (const timer of timers) clearTimeout(timer);
      for (const slot of slots) slot.child?.kill('SIGTERM');
      if (slots.some((slot) => slot.child !== undefined)) await allExited.promise;
      return 2;
    };
    const firstReady = await start(first, workerArgs);
    if (firstReady === undefined) return await stopAll();
    if (command.reusePort) {
      address = firstReady;
      workerArgs = withoutOptions(workerArgs, new Set(ADDRESS_OPTIONS), [`--tcp=${address}`]);
    } else if (address === '') address = firstReady;
    const others = await Promise.all(rest.map((slot) => start(slot, workerArgs)));
    if (others.includes(undefined)) return await stopAll();
    if (stopping === 0) {
      io.out(`listening on ${address}`);
      say(`${slots.length} workers: pids ${slots.map((s) => s.child?.pid).join(', ')}`);
      void notifyServiceManager('READY=1', warn);
    }
    await allExited.promise;
    return failedExit ? 1 : 0;
  } finally {
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
    process.off('SIGHUP', onHangup);
    handle?.close();
  }
}

/** Binds `host:port` (a name is looked up first) without listening, so this process never accepts. */
async function bindWithoutListening(name: string, port: number): Promise<ServerHandle> {
  const host = name === '' || net.isIP(name) !== 0 ? name : (await lookup(name)).address;
  const create = (
    net as unknown as {
      _createServerHandle(
        address: string | null,
        port: number,
        type: number,
      ): ServerHandle | number;
    }
  )._createServerHandle;
  const family = net.isIPv6(host) ? 6 : 4;
  const result = create(host === '' ? null : host, port, host === '' ? 6 : family);
  if (typeof result === 'number') {
    const where = formatAddress({ host: name, port });
    throw new UsageError(`cannot listen on ${where}: ${getSystemErrorName(result)}`);
  }
  return result;
}
