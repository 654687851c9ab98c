/**
 * Issue 20's figures (a measurement script, not part of the bench matrix): the `sockserve`
 * command with its default limits under one strategy; IDLE connections from 127.0.0.1 that
 * connect and send nothing; then a good client from 127.0.0.2 doing EXCHANGES line exchanges,
 * each on a fresh connection. Prints one JSON line: how many idle connections the server held
 * (the rest were reset by the per-client cap), the good client's answered count and latency
 * percentiles, and the server's RSS (main process plus children) before and after, per held
 * idle connection.
 *
 *   node bench/idle-clients.ts --threads [--idle 3000] [--exchanges 500] [--deadline MS] [-- extra sockserve flags]
 *   node bench/idle-clients.ts --processes --slowloris [--idle 5000] [--drip-ms 3000] [...]
 *
 * With `--slowloris` the IDLE connections each send one byte every `--drip-ms` ms (3000)
 * instead of nothing, for as long as the good client runs; the line adds how many of them the
 * server reset at connect (the per-client cap), closed later (a deadline), and left open; after
 * the good client it waits up to `--close-wait` ms (20000) for the server to close the admitted
 * ones (the minimum read rate, `--min-read-rate`/`--min-read-grace`) and says when it closed
 * them, counted from the first byte, and the server's CPU time (main process plus children)
 * over the whole run.
 * Compare `-- --first-byte-timeout 0` (connections handed to a worker or child at accept, as
 * before `waitForFirstBytes`) with the defaults to see where idle connections are held, and
 * `--processes --slowloris -- --requests-per-child 1` (one request per child, the library's
 * default) with the command's 256 to see slow clients take every child. The memory an idle
 * connection costs in a child: `--processes -- --max-per-client 0 --first-byte-timeout 0
 * --requests-per-child 2000 --min-spare 2` (both children started before the baseline, every
 * connection handed to one at accept). With `--slowloris`, `rssPerHeldIdleKB` is not a cost
 * per connection: it includes whatever runners started meanwhile.
 *
 * An exchange not answered within `--deadline` ms (default 15000) counts as unanswered. Run it
 * in its own session (`setsid`): the forking strategy's children share the process group.
 *
 * Loopback only. The server runs with `ulimit -n` raised (as the emfile test lowers it).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const split = args.indexOf('--');
const own = split < 0 ? args : args.slice(0, split);
const extra = split < 0 ? [] : args.slice(split + 1);
const flag = (name: string, fallback: number) => {
  const at = own.indexOf(name);
  return at < 0 ? fallback : Number(own[at + 1]);
};
const IDLE = flag('--idle', 3000);
const EXCHANGES = flag('--exchanges', 500);
const EXCHANGE_DEADLINE_MS = flag('--deadline', 15_000);
const SLOWLORIS = own.includes('--slowloris');
const DRIP_MS = flag('--drip-ms', 3000);
const CLOSE_WAIT_MS = flag('--close-wait', 20_000);
const strategy = own.filter((arg) => /^--(async|threads|processes)$/.test(arg));
const strategyArgs = strategy[0] === '--async' ? ['--async'] : [strategy[0] ?? '--async', '2'];

const MAIN = fileURLToPath(new URL('../packages/sockserve/dist/cli/main.js', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../packages/sockserve/test/fixtures/', import.meta.url));

/** `pid` and its descendants, from /proc. */
function processTree(pid: number): Set<number> {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(entry), ppid);
    } catch {}
  }
  const tree = new Set([pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [child, parent] of parents) {
      if (tree.has(parent) && !tree.has(child)) {
        tree.add(child);
        grew = true;
      }
    }
  }
  return tree;
}

/** CPU seconds (user + system) `pid` and its live descendants used so far, from /proc. */
function treeCpuSeconds(pid: number): number {
  let ticks = 0;
  for (const member of processTree(pid)) {
    try {
      const fields = readFileSync(`/proc/${member}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      // utime, stime, cutime, cstime: fields 14–17 of stat, 12–15 after "pid (comm) ".
      for (let at = 11; at <= 14; at += 1) ticks += Number(fields[at] ?? 0);
    } catch {}
  }
  return ticks / 100;
}

/** Resident set of `pid` and its descendants (kB), from /proc. */
function treeRssKb(pid: number): number {
  let total = 0;
  for (const member of processTree(pid)) {
    try {
      const status = readFileSync(`/proc/${member}/status`, 'utf8');
      total += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    } catch {}
  }
  return total;
}

async function start(): Promise<{ child: ChildProcess; port: number }> {
  const command = [MAIN, 'serve', '--tcp', '127.0.0.1:0', ...strategyArgs, ...extra, './echo.mjs'];
  const quoted = command.map((part) => `'${part}'`).join(' ');
  const child = spawn('bash', ['-c', `ulimit -n 20000 && exec '${process.execPath}' ${quoted}`], {
    cwd: FIXTURES,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout?.setEncoding('utf8');
  for await (const text of child.stdout as AsyncIterable<string>) {
    out += text;
    const match = /listening on .*:(\d+)\n/.exec(out);
    if (match !== null) return { child, port: Number(match[1]) };
  }
  throw new Error(`sockserve ended before listening: ${out}`);
}

/** Opens `count` silent connections; resolves once each is connected or refused. */
async function idleConnections(port: number, count: number) {
  const sockets: Socket[] = [];
  const fates = await Promise.all(
    Array.from({ length: count }, () => {
      const socket = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.1' });
      sockets.push(socket);
      return new Promise<'connected' | 'refused'>((resolve) => {
        socket.once('connect', () => resolve('connected'));
        socket.once('error', () => resolve('refused'));
      });
    }),
  );
  return { sockets, connected: fates.filter((fate) => fate === 'connected').length };
}

/** Sends one byte on every open socket each `DRIP_MS`; returns a stop function. */
function drip(sockets: Socket[]): () => void {
  const timer = setInterval(() => {
    for (const socket of sockets) if (!socket.destroyed && socket.writable) socket.write('a');
  }, DRIP_MS);
  for (const socket of sockets) if (!socket.destroyed && socket.writable) socket.write('a');
  return () => clearInterval(timer);
}

/** Connected sockets the server has not reset or ended by now. */
function stillOpen(sockets: Socket[]): number {
  return sockets.filter((socket) => !socket.destroyed && !socket.readableEnded).length;
}

async function exchange(port: number): Promise<number> {
  const started = performance.now();
  const socket = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.2' });
  socket.on('error', () => {});
  socket.write('ping\n');
  // An exchange not answered within EXCHANGE_DEADLINE_MS counts as unanswered.
  const deadline = new Promise<[undefined]>((resolve) => {
    setTimeout(() => resolve([undefined]), EXCHANGE_DEADLINE_MS).unref();
  });
  const [data] = (await Promise.race([
    once(socket, 'data'),
    once(socket, 'close').then(() => [undefined]),
    deadline,
  ])) as [Buffer | undefined];
  socket.destroy();
  if (data === undefined || !data.toString().startsWith('ping from')) return Number.NaN;
  return performance.now() - started;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

const { child, port } = await start();
try {
  // Warm up so the baseline includes the runners and a served request.
  for (let n = 0; n < 5; n += 1) await exchange(port);
  const rssBefore = treeRssKb(child.pid as number);
  const connectStarted = performance.now();
  const { sockets, connected } = await idleConnections(port, IDLE);
  // Long under load (SYN retries): the first-byte deadline may close the first ones meanwhile.
  const connectSeconds = (performance.now() - connectStarted) / 1000;
  // How the server ended connections: end of stream, or an error code (a reset).
  const endedBy: Record<string, number> = {};
  const note = (how: string) => {
    endedBy[how] = (endedBy[how] ?? 0) + 1;
  };
  for (const socket of sockets) {
    socket.on('error', (error: NodeJS.ErrnoException) => note(error.code ?? 'error'));
    socket.on('end', () => note('end'));
    // Reading is how a client sees the server end its connection.
    socket.resume();
  }
  const cpuBefore = treeCpuSeconds(child.pid as number);
  const stopDrip = SLOWLORIS ? drip(sockets) : () => {};
  const started = performance.now();
  // When the server closed each connection it had admitted, ms after the first byte.
  const closedAt: number[] = [];
  for (const socket of sockets) {
    if (socket.destroyed) continue;
    socket.once('close', () => closedAt.push(performance.now() - started));
  }
  // Let every accepted connection reach its handler (or its reset reach us).
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const held = stillOpen(sockets);
  const rssAfter = treeRssKb(child.pid as number);
  const latencies: number[] = [];
  for (let n = 0; n < EXCHANGES; n += 1) {
    latencies.push(await exchange(port));
    process.stderr.write(`exchange ${n}: ${latencies.at(-1)?.toFixed(2)} ms\n`);
  }
  const answered = latencies.filter((ms) => !Number.isNaN(ms)).sort((a, b) => a - b);
  let heldAtEnd = stillOpen(sockets);
  const goodSeconds = (performance.now() - started) / 1000;
  // The admitted slow clients: wait (a bounded time) for the server's deadlines to close them.
  if (SLOWLORIS) {
    const waitUntil = performance.now() + CLOSE_WAIT_MS;
    while (stillOpen(sockets) > 0 && performance.now() < waitUntil) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    heldAtEnd = stillOpen(sockets);
  }
  stopDrip();
  const cpuSeconds = treeCpuSeconds(child.pid as number) - cpuBefore;
  closedAt.sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      strategy: strategyArgs.join(' '),
      extra: extra.join(' '),
      clients: SLOWLORIS ? `slowloris, a byte every ${DRIP_MS} ms` : 'idle (silent)',
      idleOpened: IDLE,
      idleConnected: connected,
      idleHeld: held,
      idleHeldAfterGoodClient: heldAtEnd,
      idleResetAtConnect: IDLE - connected,
      idleClosedByServer: connected - heldAtEnd,
      idleEndedBy: endedBy,
      idleConnectSeconds: Number(connectSeconds.toFixed(1)),
      goodClientSeconds: Number(goodSeconds.toFixed(1)),
      idleClosedAtS: closedAt.length
        ? {
            first: Number(((closedAt[0] ?? 0) / 1000).toFixed(2)),
            p50: Number((percentile(closedAt, 50) / 1000).toFixed(2)),
            last: Number(((closedAt.at(-1) ?? 0) / 1000).toFixed(2)),
          }
        : null,
      closeWaitMs: SLOWLORIS ? CLOSE_WAIT_MS : null,
      serverCpuSeconds: Number(cpuSeconds.toFixed(2)),
      loadAverage: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
      goodExchanges: EXCHANGES,
      goodAnswered: answered.length,
      goodDeadlineMs: EXCHANGE_DEADLINE_MS,
      p50ms: Number(percentile(answered, 50).toFixed(2)),
      p99ms: Number(percentile(answered, 99).toFixed(2)),
      maxms: Number((answered.at(-1) ?? Number.NaN).toFixed(2)),
      rssBeforeMB: Number((rssBefore / 1024).toFixed(1)),
      rssAfterMB: Number((rssAfter / 1024).toFixed(1)),
      rssPerHeldIdleKB: held > 0 ? Number(((rssAfter - rssBefore) / held).toFixed(1)) : null,
    }),
  );
  for (const socket of sockets) socket.destroy();
} finally {
  child.kill('SIGKILL');
  await once(child, 'exit');
}
