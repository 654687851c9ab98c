/**
 * Issue 19: forking with spare children ahead of demand, next to Python's ForkingTCPServer, in
 * one run, on its own (not part of the matrix):
 *
 * - per-request mode without spares (`minSpareChildren: 0`), with spares (the server accepting
 *   and handing each socket over, and `acceptIn: 'children'`: the spares accepting), Python, and the
 *   default pool as a reference (the same request path without a child per request): one
 *   client paced (a new connection every `--gap` ms, so spares have time to be refilled:
 *   latency p50/p99 from `peers/paced_client.py`, a client in a process of its own), one client in a closed loop and 20 clients in a closed
 *   loop (sockload, connection per request: requests/s, p50/p99);
 * - the start-up bound: the CPU its children burned per request (cutime + cstime of the
 *   server, from /proc, over the 20-client round) gives children started per second per core;
 *   the 20-client rate is compared with that bound times the cores the machine has;
 * - pool mode under a burst of connects right after start-up (20 clients, connection per
 *   request, from the first second): on demand (`minSpareChildren: 0`), with one spare (the
 *   default), and pre-warmed (20 children started up front).
 *
 *   node bench/forking-spares.ts [--spares 2] [--gap 1000] [--paced 20] [--duration 3]
 *
 * Pacing: the paced client opens a connection every `--gap` ms (default 1000: 1 request/s);
 * `bound` says how many children one core can start per second (the CPU a child costs, from
 * the 20-client round) and whether the paced rate is below it (`sparesKeepUp`). With one
 * client in a closed loop, or 20, every request needs a fresh child: those rates are bounded
 * by child start-up, not by the hand-over. Where a ready spare's time goes, step by step:
 * `bench/forking-handover.ts`.
 *
 * Prints one JSON line. Every server is stopped at the end (see lib/processes.ts).
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { buildSockload, type LoadResult, runLoad } from './lib/loadgen.ts';
import { msBetween, runPacedClient } from './lib/paced-client.ts';
import { cpuSeconds } from './lib/proc-stats.ts';
import { cleanUpOnExit, type RunningServer, startServer } from './lib/processes.ts';
import { python, type Side, sockserve } from './lib/scenarios.ts';

const { values } = parseArgs({
  options: {
    spares: { type: 'string', default: '2' },
    gap: { type: 'string', default: '1000' },
    paced: { type: 'string', default: '20' },
    duration: { type: 'string', default: '3' },
  },
});
const SPARES = Number(values.spares);
const GAP_MS = Number(values.gap);
const PACED = Number(values.paced);
const DURATION = Number(values.duration);
const CLIENTS = 20;
const TICKS_PER_SECOND = 100;

/** CPU seconds of `pid`'s children it has reaped (cutime + cstime); NaN when unreadable. */
function reapedChildrenCpu(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] as number;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/**
 * One client in a process of its own (`peers/paced_client.py`), a new connection every GAP_MS:
 * latency when spares have time to refill — connect() until the close (p50/p99, as before) and
 * until the answer's first byte (p50).
 */
async function paced(server: RunningServer) {
  const [host, port] = server.address.split(':') as [string, string];
  const exchanges = await runPacedClient(host, Number(port), { count: PACED, gapMs: GAP_MS });
  const expected = `${'A'.repeat(63)}\n`;
  for (const { reply } of exchanges)
    if (reply !== expected) throw new Error(`bad reply ${JSON.stringify(reply)}`);
  const times = exchanges.map((e) => msBetween(e.start, e.closed)).sort((a, b) => a - b);
  const answers = exchanges.map((e) => msBetween(e.start, e.firstByte)).sort((a, b) => a - b);
  return {
    n: times.length,
    p50_ms: round2(percentile(times, 0.5)),
    p99_ms: round2(percentile(times, 0.99)),
    answerP50_ms: round2(percentile(answers, 0.5)),
  };
}

function summary(result: LoadResult) {
  return {
    rps: Math.round(result.rps),
    p50_ms: round2(result.p50_us / 1000),
    p99_ms: round2(result.p99_us / 1000),
    errors: result.errors,
  };
}

/** The per-request measurements of one side (see the module comment). */
async function perRequestSide(sockload: string, side: Side) {
  const server = await startServer(side.spec);
  try {
    const pacedResult = await paced(server);
    await sleep(GAP_MS);
    const oneClient = await runLoad(sockload, server, {
      conns: 1,
      duration: DURATION,
      perRequest: true,
    });
    await sleep(GAP_MS);
    const before = { self: cpuSeconds(server.pid), children: reapedChildrenCpu(server.pid) };
    const many = await runLoad(sockload, server, {
      conns: CLIENTS,
      duration: DURATION,
      perRequest: true,
      timeoutMs: 10_000,
    });
    const self = cpuSeconds(server.pid) - before.self;
    const children = reapedChildrenCpu(server.pid) - before.children;
    const cpuPerRequestMs = ((self + children) / Math.max(1, many.requests)) * 1000;
    return {
      label: side.label,
      paced: pacedResult,
      oneClient: summary(oneClient),
      clients20: summary(many),
      cpu20: {
        serverSeconds: round2(self),
        childrenSeconds: round2(children),
        msPerRequest: round2(cpuPerRequestMs),
        // What one core could do if child start-up were the only cost.
        requestsPerSecondPerCore: round2(1000 / cpuPerRequestMs),
      },
    };
  } finally {
    await server.stop();
  }
}

/** A burst of connects on a server that just started: 20 clients, a connection per request. */
async function burstSide(sockload: string, side: Side) {
  // Pre-warmed: 20 children start before it listens (over 15 s at load 20-30 on 2 cores).
  const server = await startServer(side.spec, { timeoutMs: 90_000 });
  try {
    return {
      label: side.label,
      burst: summary(
        await runLoad(sockload, server, {
          conns: CLIENTS,
          duration: DURATION,
          perRequest: true,
          timeoutMs: 10_000,
        }),
      ),
    };
  } finally {
    await server.stop();
  }
}

/** sockserve forking with `--min-spare` (and `--accept-in children`). */
function forking(
  mode: 'per-request' | 'pool',
  minSpare: number,
  workers?: number,
  acceptIn?: 'children',
): Side {
  const side = sockserve('tcp', 'forking', {
    forkingMode: mode,
    ...(workers === undefined ? {} : { workers }),
  });
  const accept = acceptIn === undefined ? [] : ['--accept-in', acceptIn];
  return {
    label: `${side.label} minSpare ${minSpare}${acceptIn === undefined ? '' : ' acceptIn children'}`,
    spec: {
      ...side.spec,
      args: [...side.spec.args, '--min-spare', String(minSpare), ...accept],
    },
  };
}

cleanUpOnExit();
const sockload = buildSockload();
const perRequest = [];
for (const side of [
  forking('per-request', 0),
  forking('per-request', SPARES),
  forking('per-request', SPARES, undefined, 'children'),
  python('tcp', 'forking'),
  forking('pool', 1),
]) {
  perRequest.push(await perRequestSide(sockload, side));
}
const pool = [];
for (const side of [
  forking('pool', 0, CLIENTS),
  forking('pool', 1, CLIENTS),
  forking('pool', CLIENTS, CLIENTS),
]) {
  pool.push(await burstSide(sockload, side));
}
const withSpares = perRequest[1];
const childrenAccept = perRequest[2];
const cores = availableParallelism();
console.log(
  JSON.stringify({
    node: process.version,
    cores,
    load: readFileSync('/proc/loadavg', 'utf8').trim(),
    settings: { spares: SPARES, gapMs: GAP_MS, paced: PACED, duration: DURATION, clients: CLIENTS },
    perRequest,
    pool,
    bound:
      withSpares === undefined
        ? undefined
        : {
            // Child start-up as the only limit, on every core of the machine.
            requestsPerSecond: Math.round(withSpares.cpu20.requestsPerSecondPerCore * cores),
            achieved: withSpares.clients20.rps,
            share: round2(
              withSpares.clients20.rps / (withSpares.cpu20.requestsPerSecondPerCore * cores),
            ),
            // The paced client's rate next to what one core's child start-ups allow: below it,
            // the spares are refilled between requests and the paced p50 is a ready spare's.
            pacedRequestsPerSecond: round2(1000 / GAP_MS),
            childrenPerSecondPerCore: withSpares.cpu20.requestsPerSecondPerCore,
            sparesKeepUp: 1000 / GAP_MS < withSpares.cpu20.requestsPerSecondPerCore,
            // The same for `acceptIn: 'children'`.
            childrenAccept:
              childrenAccept === undefined
                ? undefined
                : {
                    requestsPerSecond: Math.round(
                      childrenAccept.cpu20.requestsPerSecondPerCore * cores,
                    ),
                    achieved: childrenAccept.clients20.rps,
                  },
          },
  }),
);
process.exit(0);
