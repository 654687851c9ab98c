/**
 * Runs one comparison of the matrix: alternating rounds A B A B on the same machine in the
 * same run, so drift (thermal, noisy neighbours) hits both sides alike. Throughput rounds
 * share one long-lived server per side after a discarded warm-up round; memory rounds start
 * a fresh server per round (a heap that already grew would hide the cost of new connections).
 */
import { relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { holdConnections, type LoadResult, runLoad } from './loadgen.ts';
import { cpuSeconds, rssKiB } from './proc-stats.ts';
import { type RunningServer, type StopReport, startServer } from './processes.ts';
import type { Comparison, Side, Target } from './scenarios.ts';

/** One measured throughput round, with the server's CPU use (cores busy on average). */
export interface LoadRound extends LoadResult {
  readonly serverCpu: number;
}

/** One memory round: RSS before and with the idle connections held. */
export interface IdleRound {
  readonly held: number;
  readonly errors: number;
  readonly rssBeforeKiB: number;
  readonly rssAfterKiB: number;
  readonly perConnectionKiB: number;
}

/** One side's rounds and their median. */
export interface SideResult {
  readonly label: string;
  readonly command: string;
  readonly rounds: Array<LoadRound | IdleRound>;
  /** The compared value: the median over the rounds of requests/s, or of KiB per idle connection. */
  readonly value: number;
  readonly stops: StopReport[];
}

export type Verdict = 'PASS' | 'MISS' | 'INFO' | 'SKIP' | 'ERROR';

/** A comparison's outcome. */
export interface ComparisonResult {
  readonly id: string;
  readonly title: string;
  readonly transport: string;
  readonly metric: 'rps' | 'KiB/conn';
  readonly a?: SideResult;
  readonly b?: SideResult;
  /** A / B. */
  readonly ratio?: number;
  readonly target?: Target;
  readonly verdict: Verdict;
  /** Why it was skipped or failed; errors and unclean stops seen on the way. */
  readonly notes: string[];
}

/** The median: one noisy round (a GC pause, a neighbour) moves it less than a mean would. */
export function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  if (sorted.length % 2 === 1) return sorted[mid] as number;
  return ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** PASS / MISS against the target, INFO without one. */
export function judge(ratio: number, target: Target | undefined): Verdict {
  if (target === undefined) return 'INFO';
  const met = target.kind === 'min' ? ratio >= target.value : ratio <= target.value;
  return met ? 'PASS' : 'MISS';
}

async function loadRound(binary: string, server: RunningServer, c: Comparison): Promise<LoadRound> {
  if (c.workload.kind !== 'load') throw new Error('not a load workload');
  const cpu0 = cpuSeconds(server.pid);
  const started = performance.now();
  const result = await runLoad(binary, server, c.workload.load);
  const wall = (performance.now() - started) / 1000;
  return { ...result, serverCpu: (cpuSeconds(server.pid) - cpu0) / wall };
}

async function idleRound(
  binary: string,
  side: Side,
  connections: number,
): Promise<{ round: IdleRound; stop: StopReport }> {
  const server = await startServer(side.spec);
  try {
    // Warm the server's code paths so the delta is the connections, not first-use costs.
    await runLoad(binary, server, { conns: 4, duration: 1, maxRequests: 2000 });
    await sleep(500);
    const before = rssKiB(server.pid);
    const held = await holdConnections(binary, server, connections);
    await sleep(1500);
    const after = rssKiB(server.pid);
    await held.release();
    const perConnectionKiB = (after - before) / Math.max(held.held, 1);
    return {
      round: {
        held: held.held,
        errors: held.errors,
        rssBeforeKiB: before,
        rssAfterKiB: after,
        perConnectionKiB,
      },
      stop: await server.stop(),
    };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

function side(s: Side, rounds: Array<LoadRound | IdleRound>, stops: StopReport[]): SideResult {
  const values = rounds.map((r) => ('rps' in r ? r.rps : r.perConnectionKiB));
  return {
    label: s.label,
    command: s.spec.args.map(repoRelative).join(' '),
    rounds,
    value: median(values),
    stops,
  };
}

function stopNotes(label: string, stops: StopReport[]): string[] {
  return stops.flatMap((s) => {
    const notes: string[] = [];
    if (s.killed) notes.push(`${label} did not exit within 8 s of SIGTERM and was killed`);
    else if (s.code !== 0) notes.push(`${label} exited with ${s.code ?? s.signal} after SIGTERM`);
    if (s.leftovers) notes.push(`${label} left processes behind (killed)`);
    return notes;
  });
}

/** Runs `c` with `rounds` measured rounds per side (A B A B …), or `c.minRounds` if more. */
export async function runComparison(
  binary: string,
  c: Comparison,
  runRounds: number,
  log: (line: string) => void,
): Promise<ComparisonResult> {
  const rounds = Math.max(runRounds, c.minRounds ?? 0);
  const metric = c.workload.kind === 'load' ? 'rps' : 'KiB/conn';
  const base = {
    id: c.id,
    title: c.title,
    transport: c.transport,
    metric,
    ...(c.target === undefined ? {} : { target: c.target }),
  } as const;
  const roundsA: Array<LoadRound | IdleRound> = [];
  const roundsB: Array<LoadRound | IdleRound> = [];
  const stopsA: StopReport[] = [];
  const stopsB: StopReport[] = [];
  const notes: string[] = [];
  if (c.workload.kind === 'idle') {
    for (let r = 0; r < rounds; r++) {
      for (const [s, into, stops] of [
        [c.a, roundsA, stopsA],
        [c.b, roundsB, stopsB],
      ] as const) {
        const { round, stop } = await idleRound(binary, s, c.workload.connections);
        into.push(round);
        stops.push(stop);
        log(`  ${s.label}: ${round.perConnectionKiB.toFixed(2)} KiB/conn (${round.held} held)`);
        if (round.errors > 0)
          notes.push(`${s.label}: ${round.errors} of ${c.workload.connections} connections failed`);
      }
    }
  } else {
    const servers: RunningServer[] = [];
    try {
      servers.push(await startServer(c.a.spec), await startServer(c.b.spec));
      const [a, b] = servers as [RunningServer, RunningServer];
      const warm = { ...c.workload.load, duration: 1 };
      await runLoad(binary, a, warm);
      await runLoad(binary, b, warm);
      for (let r = 0; r < rounds; r++) {
        for (const [s, server, into] of [
          [c.a, a, roundsA],
          [c.b, b, roundsB],
        ] as const) {
          const round = await loadRound(binary, server, c);
          into.push(round);
          log(
            `  ${s.label}: ${round.rps.toFixed(0)} req/s, p99 ${round.p99_us} us, server cpu ${round.serverCpu.toFixed(2)}, errors ${round.errors}`,
          );
          if (round.errors > 0) notes.push(`${s.label}: ${round.errors} errors in a round`);
        }
      }
    } finally {
      const [a, b] = servers;
      if (a !== undefined) stopsA.push(await a.stop());
      if (b !== undefined) stopsB.push(await b.stop());
    }
  }
  notes.push(...stopNotes(c.a.label, stopsA), ...stopNotes(c.b.label, stopsB));
  const a = side(c.a, roundsA, stopsA);
  const b = side(c.b, roundsB, stopsB);
  const ratio = a.value / b.value;
  return { ...base, a, b, ratio, verdict: judge(ratio, c.target), notes };
}

const REPO = new URL('../../', import.meta.url).pathname;

/** A path inside the repository as the report shows it: relative, never this machine's own. */
function repoRelative(arg: string): string {
  return arg.startsWith(REPO) ? relative(REPO, arg) : arg;
}
