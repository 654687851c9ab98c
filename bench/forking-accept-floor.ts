/**
 * Issue 19: the floor under a per-request answer on THIS machine — how long the kernel takes
 * from a client's connect() to a sleeping server's accept, with no sockserve code, so the
 * per-request target (connect → answer ≤ 2 ms at one client) can be judged against what the
 * VM allows. (This VM boots with `haltpoll.guest_halt_poll_ns=0`: an idle vCPU halts at once,
 * and waking it takes an IPI and a host reschedule.) Peers, each a process of its own, asleep
 * between connections (`--gap` ms apart, one client):
 *
 * - `python-accept`: Python in a blocking accept() (`peers/accept_floor.py accept`);
 * - `python-fork`: Python's ForkingTCPServer, a fork per request — the parent's accept and
 *   the forked child's `handle()` (`peers/accept_floor.py fork`);
 * - `node-accept`: one Node process listening (`peers/node-accept-floor.ts accept`);
 * - `node-shared-1` / `node-shared-2`: one / two Node children listening on one socket their
 *   parent handed them (`peers/node-accept-floor.ts shared N`): forking's `acceptIn:
 *   'children'` with one spare listening vs two (both wake for each connection: the herd);
 * - `sockserve-children`: sockserve's own per-request `ForkingTCPServer`, 2 spares accepting
 *   themselves (`acceptIn: 'children'`, `peers/sockserve-per-request.ts`): the whole path next
 *   to its floor. (The server accepting and handing over, step by step: `forking-handover.ts`.)
 *   Its accept is stamped as the child's listener emits `'connection'`, before sockserve's
 *   listener runs (`lib/handover-preload.mjs`), as the plain peers stamp theirs; until session
 *   22 it was stamped after that listener returned, so the child's synchronous accept path
 *   (the `accepted` IPC message, the runner's delivery, the handler's construction) counted as
 *   "connect → accept".
 * - not run unless named in `--peers`: `node-fresh`, `node-fresh-warm`, `node-fresh-prestarted`
 *   — a fresh Node child per connection taking its one connection from the shared socket, no
 *   sockserve code (`peers/node-fresh-accept.ts`): cold, warmed (one loopback exchange first),
 *   warmed and all started up front (no start-up competing with an accept).
 *
 * Per connection, on one clock (CLOCK_MONOTONIC in every process), from the client's
 * `'connectionAttempt'` (emitted just before its connect() syscall): → the client's
 * 'connect' event, → the server's accept, → the handler's `handle()` (python-fork's child,
 * sockserve's), → the client's first answer byte (the client writes one line at once; the
 * server answers after reading it). Server CPU per request from /proc (ticks of 10 ms:
 * coarse; the peer, its listening children and the children it reaped: a per-request child's
 * start-up counts).
 *
 *   node bench/forking-accept-floor.ts [--requests 30] [--gap 300] [--peers a,b,…]
 *     [--sockserve-child-flags="--a --b"]
 *
 * `--sockserve-child-flags`: Node/V8 flags for sockserve's children (`sockserve-children`'s
 * `execArgv`, space-separated), e.g. `--always-sparkplug`: issue 19 measured first-call flags
 * with it (the settings in the JSON line name them).
 *
 * Prints one JSON line (p50 / p90 per step and peer, and the load average before and after).
 * Every peer process is stopped at the end.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '30' },
    gap: { type: 'string', default: '300' },
    peers: {
      type: 'string',
      default:
        'python-accept,python-fork,node-accept,node-shared-1,node-shared-2,sockserve-children',
    },
    'sockserve-child-flags': { type: 'string', default: '' },
  },
});
const REQUESTS = Number(values.requests);
const GAP_MS = Number(values.gap);
const WARM_UP = 3;
const TICKS_PER_SECOND = 100;

const here = (path: string) => new URL(path, import.meta.url).pathname;
const PEERS: Record<string, readonly string[]> = {
  'python-accept': ['python3', here('./peers/accept_floor.py'), 'accept'],
  'python-fork': ['python3', here('./peers/accept_floor.py'), 'fork'],
  'node-accept': [process.execPath, here('./peers/node-accept-floor.ts'), 'accept'],
  'node-shared-1': [process.execPath, here('./peers/node-accept-floor.ts'), 'shared', '1'],
  'node-shared-2': [process.execPath, here('./peers/node-accept-floor.ts'), 'shared', '2'],
  'sockserve-children': [
    process.execPath,
    here('./peers/sockserve-per-request.ts'),
    'children',
    `--child-flags=${values['sockserve-child-flags']}`,
  ],
  // Not in the default list: a fresh child's first accept, without sockserve (issue 19).
  'node-fresh': [process.execPath, here('./peers/node-fresh-accept.ts')],
  'node-fresh-warm': [process.execPath, here('./peers/node-fresh-accept.ts'), '--warm'],
  'node-fresh-prestarted': [
    process.execPath,
    here('./peers/node-fresh-accept.ts'),
    '--warm',
    '--prestart',
    String(REQUESTS + WARM_UP + 1),
  ],
};

const ns = () => process.hrtime.bigint();
const ms = (from: bigint, to: bigint | undefined) =>
  to === undefined ? Number.NaN : Number(to - from) / 1e6;

/** User + system CPU s of `pid` and the children it reaped (NaN once it is gone). */
function cpuOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return [11, 12, 13, 14].reduce((sum, i) => sum + Number(f[i]), 0) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** The peer's processes: itself and (shared) its children, from /proc. */
function processTree(pid: number): number[] {
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .split(' ')
      .filter((p) => p !== '')
      .map(Number);
    return [pid, ...children.flatMap(processTree)];
  } catch {
    return [pid];
  }
}

function startPeer(command: readonly string[]): Promise<{ peer: ChildProcess; port: number }> {
  const [file, ...args] = command as [string, ...string[]];
  const peer = spawn(file, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    // Read to the end (not a for await that would close the pipe under the peer).
    peer.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const match = /listening on (\d+)/.exec(out);
      if (match !== null) resolve({ peer, port: Number(match[1]) });
    });
    peer.once('exit', () => reject(new Error(`${command.join(' ')} exited before listening`)));
  });
}

/** One connection: the client's steps, and the server's stamps from its answer. */
async function exchange(port: number) {
  let started = ns();
  const socket = connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  // Emitted right before the connect() syscall (Node connects on a later tick): the start.
  socket.once('connectionAttempt', () => (started = ns()));
  let connected: bigint | undefined;
  let answered: bigint | undefined;
  let answer = '';
  socket.on('connect', () => (connected = ns()));
  socket.write('floor\n');
  socket.setEncoding('utf8').on('data', (text: string) => {
    answered ??= ns();
    answer += text;
  });
  await once(socket, 'close');
  const [accepted, handler] = stamps(answer);
  return {
    'connect → connected (client)': ms(started, connected),
    'connect → accept': ms(started, accepted),
    ...(handler === undefined ? {} : { 'connect → handle()': ms(started, handler) }),
    'connect → answer': ms(started, answered),
  };
}

/**
 * [accept, handle() start] from an answer: `ACCEPTED [HANDLER|PID]` (the plain peers; a pid is
 * short), or the sockserve peer's JSON (`accepted`: the child's own accept).
 */
function stamps(answer: string): [bigint, bigint | undefined] {
  if (answer.startsWith('{')) {
    const trace = JSON.parse(answer) as { accepted?: string; began: string };
    const accepted = trace.accepted;
    if (accepted === undefined) throw new Error(`no accept in ${answer}`);
    return [BigInt(accepted), BigInt(trace.began)];
  }
  const [accepted, second] = answer.trim().split(' ');
  if (accepted === undefined || !/^\d+$/.test(accepted)) throw new Error(`bad answer ${answer}`);
  return [
    BigInt(accepted),
    second !== undefined && second.length > 12 ? BigInt(second) : undefined,
  ];
}

function percentile(values: number[], p: number): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  const at = sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))];
  return at === undefined ? Number.NaN : Math.round(at * 1000) / 1000;
}

async function measure(name: string, command: readonly string[]) {
  const { peer, port } = await startPeer(command);
  try {
    for (let i = 0; i < WARM_UP; i += 1) await exchange(port);
    // The peer and its listening children (a fork per request's children are reaped into the
    // parent's count: a pid gone by the end is left out).
    const pids = processTree(peer.pid as number);
    const cpuBefore = pids.map(cpuOf);
    const rows: Array<Record<string, number>> = [];
    for (let i = 0; i < REQUESTS; i += 1) {
      await sleep(GAP_MS);
      rows.push(await exchange(port));
    }
    const cpu = pids.reduce((sum, pid, i) => {
      const used = cpuOf(pid) - (cpuBefore[i] ?? Number.NaN);
      return Number.isNaN(used) ? sum : sum + used;
    }, 0);
    const steps = Object.keys(rows[0] ?? {});
    const at = (p: number) =>
      Object.fromEntries(
        steps.map((s) => [
          s,
          percentile(
            rows.map((r) => r[s] as number),
            p,
          ),
        ]),
      );
    return {
      peer: name,
      p50Ms: at(0.5),
      p90Ms: at(0.9),
      serverCpuMsPerRequest: (cpu / REQUESTS) * 1000,
    };
  } finally {
    peer.kill('SIGTERM');
    if (peer.exitCode === null && peer.signalCode === null) await once(peer, 'exit');
  }
}

const loadBefore = readFileSync('/proc/loadavg', 'utf8').trim();
const results = [];
for (const name of String(values.peers).split(',')) {
  const command = PEERS[name];
  if (command === undefined)
    throw new Error(`unknown peer ${name}: ${Object.keys(PEERS).join(', ')}`);
  results.push(await measure(name, command));
}
console.log(
  JSON.stringify({
    node: process.version,
    settings: {
      requests: REQUESTS,
      gapMs: GAP_MS,
      ...(values['sockserve-child-flags'] === ''
        ? {}
        : { sockserveChildFlags: values['sockserve-child-flags'] }),
    },
    results,
    load: { before: loadBefore, after: readFileSync('/proc/loadavg', 'utf8').trim() },
  }),
);
