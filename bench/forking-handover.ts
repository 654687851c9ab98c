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
 *   (a `'connection'` listener put before the server's own: Node publishes the diagnostics
 *   channel `net.server.socket` only after the listeners ran, by when the socket may be sent);
 * - parent pick: accept → `subprocess.send(message, socket)` (serve loop, pipeline, pool);
 * - IPC hand-over: that send → the child's 'message' event with the socket;
 * - child to handler: the message → the handler constructed (runner, socket, handler);
 * - handler start, request read, reply: constructed → handle() → line read → reply written;
 * - reply to client: written → the client's first reply byte;
 * - exit: the client's reply → the child's exit seen by the server.
 *
 * The client (`peers/paced_client.py`, in a process of its own: a client in this process added
 * its event loop's 0.5–0.9 ms) waits `--gap` ms before each connection (pacing: time for the
 * replacement spare to start); each row says how long the child that served had been ready. The server's CPU (this
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
import { readFileSync } from 'node:fs';
import type { Server } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { ForkingMixIn } from '@sockserve/forking';
import { TCPServer } from '@sockserve/tcp';
import { HandoverTraceHandler } from './lib/handover-handler.ts';
import { runPacedClient } from './lib/paced-client.ts';

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
const sent = new Map<number, bigint>();
const ready = new Map<number, bigint>();
const exited = new Map<number, bigint>();
/** Node gives each child its own `send` (set up with its IPC channel): wrapped on its first event. */
const wrapped = new WeakSet<ChildProcess>();
function traceSends(child: ChildProcess): void {
  wrapped.add(child);
  if (typeof child.send !== 'function') return; // no IPC channel: the paced client
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

/** The child's trace in a paced exchange's reply (`lib/handover-handler.ts`). */
function traceOf(reply: string): ChildTrace {
  const child = JSON.parse(reply) as ChildTrace;
  if (child.echo !== 'HAND-OVER') throw new Error(`bad reply ${reply}`);
  return child;
}

const server = await ForkingTCPServer.create({ host: '127.0.0.1', port: 0 }, HandoverTraceHandler, {
  forkingMode: 'per-request',
  minSpareChildren: SPARES,
  acceptIn: ACCEPT_IN,
  execArgv: ['--import', new URL('./lib/handover-preload.mjs', import.meta.url).href],
});
// The listener's accept, before the server's own 'connection' listener hands the socket on.
(server.socket as Server).prependListener('connection', () => accepted.push(now()));
const loop = server.serveForever();
const { port } = server.serverAddress as { port: number };
const rows: Array<Record<string, number>> = [];
const cpuBefore = cpu();
// The client in a process of its own (one warm-up exchange first, not counted).
const exchanges = await runPacedClient('127.0.0.1', port, {
  count: REQUESTS,
  gapMs: GAP_MS,
  line: 'hand-over',
});
const traces = exchanges.map(({ reply }) => traceOf(reply));
// Every serving child's exit, seen by the server (each exits after its one request).
for (let waited = 0; waited < 5000 && traces.some((t) => !exited.has(t.pid)); waited += 5)
  await sleep(5);
for (const [i, { start, firstByte, closed }] of exchanges.entries()) {
  const child = traces[i] as ChildTrace;
  const pid = child.pid;
  const byChild = ACCEPT_IN === 'children';
  // The server's accepts in order: this connection's is the first at or after its connect().
  const acceptedAt = byChild ? child.accepted : accepted.find((at) => at >= start);
  const received = byChild ? child.accepted : child.received;
  const sentAt = byChild ? undefined : sent.get(pid);
  rows.push({
    total: ms(start, firstByte),
    'until close': ms(start, closed),
    'connect → accept': ms(start, acceptedAt),
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
