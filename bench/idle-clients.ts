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
 * `--settle MS` (1000): how long after the first bytes the good client starts; a short one
 * overlaps the good client with the server's hand-over of the slow clients, as a loaded machine
 * does by stretching it (issue 20).
 *
 * An exchange not answered within `--deadline` ms (default 15000) counts as unanswered. Run it
 * in its own session (`setsid`): the forking strategy's children share the process group.
 *
 * Loopback only. The server runs with `ulimit -n` raised (as the emfile test lowers it).
 *
 * Where the time goes (issue 20): every exchange is printed on stderr with when it started,
 * in ms after the slow clients' first bytes (`+ms`), and the JSON line names the slowest.
 * `--probe FILE` preloads `lib/loop-stall-probe.cjs` into the server's main thread and its
 * worker threads (event-loop stalls and `monitorEventLoopDelay`, appended to FILE) and prints
 * each stall on the same clock; `--cpu-prof DIR` runs the server under `--cpu-prof` (one
 * profile per thread) and stops it with SIGTERM so the profiles are written.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
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
// How long after the idle/slow clients' first bytes the good client starts (default 1000).
const SETTLE_MS = flag('--settle', 1000);
const text = (name: string) => {
  const at = own.indexOf(name);
  return at < 0 ? undefined : own[at + 1];
};
const PROBE_FILE = text('--probe');
const CPU_PROF_DIR = text('--cpu-prof');
const strategy = own.filter((arg) => /^--(async|threads|processes)$/.test(arg));
const strategyArgs = strategy[0] === '--async' ? ['--async'] : [strategy[0] ?? '--async', '2'];

const MAIN = fileURLToPath(new URL('../packages/sockserve/dist/cli/main.js', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../packages/sockserve/test/fixtures/', import.meta.url));
const PROBE = fileURLToPath(new URL('./lib/loop-stall-probe.cjs', import.meta.url));

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
  const profile = CPU_PROF_DIR === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', CPU_PROF_DIR];
  const quoted = [...profile, ...command].map((part) => `'${part}'`).join(' ');
  const env = { ...process.env };
  if (PROBE_FILE !== undefined) {
    env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ''} --require ${PROBE}`;
    env.SOCKSERVE_PROBE_FILE = PROBE_FILE;
  }
  const child = spawn('bash', ['-c', `ulimit -n 20000 && exec '${process.execPath}' ${quoted}`], {
    cwd: FIXTURES,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // Read stdout to the end (not just to the `listening` line): a server whose stdout is closed
  // dies of EPIPE when it prints at its stop, before writing `--cpu-prof` profiles.
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (text: string) => {
      if (PROBE_FILE !== undefined && env.SOCKSERVE_PROBE_TRACE_GC === '1')
        appendFileSync(`${PROBE_FILE}.gc`, text);
      out += text;
      const match = /listening on .*:(\d+)\n/.exec(out);
      if (match !== null) resolve({ child, port: Number(match[1]) });
    });
    child.once('exit', () => reject(new Error(`sockserve ended before listening: ${out}`)));
  });
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

/**
 * The probe's records (see `lib/loop-stall-probe.cjs`), each printed on stderr at its offset
 * from the first bytes; returns the longest stall per thread with when it happened, and the
 * stalls and garbage collections that overlap the slowest exchange (`window`, ms after the
 * first bytes): a stall in every thread at once with no collection is the process not
 * scheduled; one in a single thread is work there (see its `--cpu-prof` profile).
 */
function probeSummary(
  file: string,
  since: (epochMs: number) => number,
  window: readonly [number, number],
) {
  const worst: Record<string, { ms: number; at: number }> = {};
  const duringSlowest: Array<{ thread: string; kind: string; from: number; to: number }> = [];
  let lines: string[] = [];
  try {
    lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {}
  for (const line of lines) {
    const record = JSON.parse(line) as { kind: string; thread: string; at: number; ms?: number };
    const at = since(record.at);
    process.stderr.write(`probe ${record.thread} ${record.kind} at +${at}: ${line}\n`);
    if (record.kind === 'delay') continue;
    const ms = record.ms ?? 0;
    if (record.kind === 'stall' && ms > (worst[record.thread]?.ms ?? 0)) {
      worst[record.thread] = { ms, at };
    }
    // Stalls and collections are written when they ended (`at`): each spanned [at - ms, at].
    if (at - ms < window[1] && at > window[0]) {
      duringSlowest.push({ thread: record.thread, kind: record.kind, from: at - ms, to: at });
    }
  }
  return { worst, duringSlowest };
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
  const connectedAt = Date.now();
  const stopDrip = SLOWLORIS ? drip(sockets) : () => {};
  const started = performance.now();
  // Epoch ms of the slow clients' first bytes (or of the idle connections being up): t = 0.
  const firstBytesAt = Date.now();
  const since = (epochMs: number) => Math.round(epochMs - firstBytesAt);
  // When the server closed each connection it had admitted, ms after the first byte.
  const closedAt: number[] = [];
  for (const socket of sockets) {
    if (socket.destroyed) continue;
    socket.once('close', () => closedAt.push(performance.now() - started));
  }
  // Let every accepted connection reach its handler (or its reset reach us).
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const held = stillOpen(sockets);
  const rssAfter = treeRssKb(child.pid as number);
  const latencies: number[] = [];
  const startedAt: number[] = [];
  process.stderr.write(
    `connect burst ${since(connectStarted - started + firstBytesAt)}..${since(connectedAt)} ms\n`,
  );
  for (let n = 0; n < EXCHANGES; n += 1) {
    startedAt.push(since(Date.now()));
    latencies.push(await exchange(port));
    process.stderr.write(`exchange ${n}: ${latencies.at(-1)?.toFixed(2)} ms at +${startedAt[n]}\n`);
  }
  let slowest = 0;
  for (let n = 1; n < latencies.length; n += 1) {
    if (!((latencies[n] ?? 0) <= (latencies[slowest] ?? 0))) slowest = n;
  }
  const answered = latencies.filter((ms) => !Number.isNaN(ms)).sort((a, b) => a - b);
  let heldAtEnd = stillOpen(sockets);
  const goodEndedAt = since(Date.now());
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
  const slowestFrom = startedAt[slowest] ?? 0;
  const stalls =
    PROBE_FILE === undefined
      ? null
      : probeSummary(PROBE_FILE, since, [slowestFrom, slowestFrom + (latencies[slowest] ?? 0)]);
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
      slowest: {
        index: slowest,
        ms: Number((latencies[slowest] ?? Number.NaN).toFixed(2)),
        startedAtMsAfterFirstBytes: startedAt[slowest],
      },
      goodClientWindowMs: [startedAt[0], goodEndedAt],
      stalls,
      // Profiles time samples on the monotonic clock (µs): epoch ms = monotonic ms + this.
      ...(CPU_PROF_DIR === undefined
        ? {}
        : {
            firstBytesAt,
            monotonicToEpochMs: Date.now() - Number(process.hrtime.bigint() / 1_000_000n),
          }),
      rssBeforeMB: Number((rssBefore / 1024).toFixed(1)),
      rssAfterMB: Number((rssAfter / 1024).toFixed(1)),
      rssPerHeldIdleKB: held > 0 ? Number(((rssAfter - rssBefore) / held).toFixed(1)) : null,
    }),
  );
  for (const socket of sockets) socket.destroy();
} finally {
  const exited = once(child, 'exit');
  if (CPU_PROF_DIR === undefined) child.kill('SIGKILL');
  else {
    // A graceful stop writes the profiles; SIGKILL if it takes too long.
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
  }
  await exited;
}
