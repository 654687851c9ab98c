/**
 * Issue 19: where a per-request forking server's time goes between a client's connect and its
 * answer, step by step, for a spare child that is READY when the connection arrives. The
 * server runs in this process (ForkingTCPServer, per-request mode, `--spares` spare children);
 * its children preload `lib/handover-preload.mjs` and run `lib/handover-handler.ts`, which
 * answers with the child's timestamps. Every timestamp is CLOCK_MONOTONIC
 * (`process.hrtime.bigint()`), the same clock in every process of the machine, so the steps
 * of the parent and the child line up:
 *
 * - connect → accept: the client's connect() until the server's listener accepted
 *   (diagnostics channel `net.server.socket`);
 * - parent pick: accept → `subprocess.send(message, socket)` (serve loop, pipeline, pool);
 * - IPC hand-over: that send → the child's 'message' event with the socket;
 * - child to handler: the message → the handler constructed (runner, socket, handler);
 * - handler start, request read, reply: constructed → handle() → line read → reply written;
 * - reply to client: written → the client's first reply byte;
 * - exit: the client's reply → the child's exit seen by the server.
 *
 * The client waits `--gap` ms before each connection (pacing: time for the replacement spare to
 * start), and says how long the child that served had been ready. The server's CPU (this
 * process) and its children's (reaped) CPU per request are printed too.
 *
 * With `--accept-in children` the spares accept from the server's listening socket themselves
 * (`acceptIn: 'children'`): connect → accept is then the child's accept, there is no parent
 * pick nor IPC hand-over, and child → handler starts at the child's accept.
 *
 *   node bench/forking-handover.ts [--requests 20] [--gap 1000] [--spares 2] [--accept-in server|children]
 *
 * Prints one JSON line. The server and every child are closed at the end.
 */
import { ChildProcess } from 'node:child_process';
import diagnostics from 'node:diagnostics_channel';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { ForkingMixIn } from '@sockserve/forking';
import { TCPServer } from '@sockserve/tcp';
import { HandoverTraceHandler } from './lib/handover-handler.ts';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '20' },
    gap: { type: 'string', default: '1000' },
    spares: { type: 'string', default: '2' },
    'accept-in': { type: 'string', default: 'server' },
  },
});
const REQUESTS = Number(values.requests);
const GAP_MS = Number(values.gap);
const SPARES = Number(values.spares);
const ACCEPT_IN = values['accept-in'] === 'children' ? 'children' : 'server';
const TICKS_PER_SECOND = 100;

const now = () => process.hrtime.bigint();
const ms = (from: bigint | string | undefined, to: bigint | string | undefined) =>
  from === undefined || to === undefined ? Number.NaN : Number(BigInt(to) - BigInt(from)) / 1e6;

// The parent's side: accepts, hand-overs (by pid), readiness and exits of children.
const accepted: bigint[] = [];
diagnostics.subscribe('net.server.socket', () => accepted.push(now()));
const sent = new Map<number, bigint>();
const ready = new Map<number, bigint>();
const exited = new Map<number, bigint>();
/** Node gives each child its own `send` (set up with its IPC channel): wrapped on its first event. */
const wrapped = new WeakSet<ChildProcess>();
function traceSends(child: ChildProcess): void {
  wrapped.add(child);
  const own = child.send.bind(child) as (...a: unknown[]) => boolean;
  child.send = ((...args: unknown[]) => {
    const [message, handle] = args as [{ t?: string }, unknown];
    if (message?.t === 'stream' && handle !== undefined && child.pid !== undefined)
      sent.set(child.pid, now());
    return own(...args);
  }) as typeof child.send;
}
const originalEmit = ChildProcess.prototype.emit;
ChildProcess.prototype.emit = function (this: ChildProcess, event: string, ...args: unknown[]) {
  const pid = this.pid;
  if (!wrapped.has(this)) traceSends(this);
  if (pid !== undefined) {
    if (event === 'message' && (args[0] as { t?: string })?.t === 'ready') ready.set(pid, now());
    if (event === 'exit') exited.set(pid, now());
  }
  return (originalEmit as (...a: unknown[]) => boolean).call(this, event, ...args);
} as typeof ChildProcess.prototype.emit;

class ForkingTCPServer extends ForkingMixIn(TCPServer) {}

function cpuOf(file: string, fields: number[]): number {
  const stat = readFileSync(file, 'utf8');
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields.reduce((sum, i) => sum + Number(rest[i]), 0) / TICKS_PER_SECOND;
}
/**
 * [this process's CPU s (`process.cpuUsage()`, µs resolution: the server's share per request is
 * a fraction of a 10 ms tick), its reaped children's CPU s (/proc/self/stat, in ticks)].
 */
const cpu = () => {
  const { user, system } = process.cpuUsage();
  return [(user + system) / 1e6, cpuOf('/proc/self/stat', [13, 14])];
};

interface ChildTrace {
  echo: string;
  pid: number;
  received?: string;
  /** The child's own accept (`--accept-in children`). */
  accepted?: string;
  constructed: string;
  began: string;
  read: string;
  replying: string;
}

async function exchange(port: number) {
  const started = now();
  const socket: Socket = connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  socket.end('hand-over\n');
  let reply = '';
  let firstByte: bigint | undefined;
  socket.setEncoding('utf8').on('data', (text: string) => {
    firstByte ??= now();
    reply += text;
  });
  await once(socket, 'close');
  const closed = now();
  const child = JSON.parse(reply) as ChildTrace;
  if (child.echo !== 'HAND-OVER') throw new Error(`bad reply ${reply}`);
  return { started, firstByte: firstByte as bigint, closed, child };
}

const server = await ForkingTCPServer.create({ host: '127.0.0.1', port: 0 }, HandoverTraceHandler, {
  forkingMode: 'per-request',
  minSpareChildren: SPARES,
  acceptIn: ACCEPT_IN,
  execArgv: ['--import', new URL('./lib/handover-preload.mjs', import.meta.url).href],
});
const loop = server.serveForever();
const { port } = server.serverAddress as { port: number };
const rows: Array<Record<string, number>> = [];
await exchange(port); // warm-up of this process's client and server paths, not counted
const cpuBefore = cpu();
for (let i = 0; i < REQUESTS; i += 1) {
  await sleep(GAP_MS);
  accepted.length = 0;
  const { started, firstByte, closed, child } = await exchange(port);
  const pid = child.pid;
  while (!exited.has(pid)) await sleep(5);
  const byChild = ACCEPT_IN === 'children';
  const acceptedAt = byChild ? child.accepted : accepted[0];
  const received = byChild ? child.accepted : child.received;
  const sentAt = byChild ? undefined : sent.get(pid);
  rows.push({
    total: ms(started, firstByte),
    'until close': ms(started, closed),
    'connect → accept': ms(started, acceptedAt),
    'parent pick': ms(acceptedAt, sentAt),
    'IPC hand-over': ms(sentAt, received),
    'child → handler': ms(received, child.constructed),
    'handler start': ms(child.constructed, child.began),
    'request read': ms(child.began, child.read),
    'reply written': ms(child.read, child.replying),
    'reply → client': ms(child.replying, firstByte),
    'reply → exit seen': ms(firstByte, exited.get(pid)),
    'ready for': ms(ready.get(pid), sentAt ?? acceptedAt),
  });
}
const cpuAfter = cpu();
server.shutdown();
await loop;
await server.serverClose({ timeout: 1000 });
const [self = 0, children = 0] = cpuAfter.map((value, i) => value - (cpuBefore[i] ?? 0));
const percentile = (values: number[], p: number) => {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? Number.NaN;
};
const round = (n: number) => Math.round(n * 100) / 100;
const columns = Object.keys(rows[0] ?? {});
console.log(
  JSON.stringify({
    node: process.version,
    settings: { requests: REQUESTS, gapMs: GAP_MS, spares: SPARES, acceptIn: ACCEPT_IN },
    p50Ms: Object.fromEntries(
      columns.map((c) => [
        c,
        round(
          percentile(
            rows.map((r) => r[c] as number),
            0.5,
          ),
        ),
      ]),
    ),
    p90Ms: Object.fromEntries(
      columns.map((c) => [
        c,
        round(
          percentile(
            rows.map((r) => r[c] as number),
            0.9,
          ),
        ),
      ]),
    ),
    cpuMsPerRequest: {
      server: Math.round((self / REQUESTS) * 1e6) / 1000,
      children: round((children / REQUESTS) * 1000),
    },
    load: readFileSync('/proc/loadavg', 'utf8').trim(),
  }),
);
process.exit(0);
