/**
 * Running a Node server under callgrind for the instruction-counting benches
 * (`callgrind-connection.ts`, `proxy-callgrind.ts`): the command line (valgrind's options and
 * V8's), the counted window (instrumentation on around the counted load, then a dump), and the
 * counts read back per thread.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { collectorCost, perfMap, selfCosts } from './callgrind-costs.ts';

/** How V8 runs in a counted server (from each bench's flags: `--default-tiers` turns `earlyTurbofan` off, `--semi-space`, `--predictable`). */
export interface CountingV8 {
  /** Tier up to TurboFan early (300 invocations) so the counted window runs optimised code. */
  readonly earlyTurbofan: boolean;
  /** The young generation fixed at this many MB a semi-space; 0: V8 sizes it. */
  readonly semiSpace: number;
  /**
   * V8's `--predictable`: compilation and the collector's tasks run on the main thread, none in
   * the background, so a background compile can't land in (or out of) the counted window at
   * random. Work V8 would do in the background is then counted on the main thread: the
   * warm-up must carry the server past tier-up (`--warm 15000` in proxy-callgrind).
   */
  readonly predictable: boolean;
}

/**
 * `valgrind … node <V8 flags>` up to the script: instrumentation off at start, one output file
 * a thread (`out`, then `-01` for the main thread…), JIT frames named through
 * `--perf-basic-prof`'s map, V8's log in `v8Log`.
 */
export function callgrindCommand(
  node: string,
  out: string,
  v8Log: string,
  v8: CountingV8,
): string[] {
  return [
    '--tool=callgrind',
    '--instr-atstart=no',
    '--separate-threads=yes',
    `--callgrind-out-file=${out}`,
    node,
    '--perf-basic-prof',
    `--logfile=${v8Log}`,
    '--no-logfile-per-isolate',
    ...(v8.earlyTurbofan
      ? ['--invocation-count-for-turbofan=300', '--minimum-invocations-after-ic-update=50']
      : []),
    ...(v8.semiSpace > 0
      ? [`--min-semi-space-size=${v8.semiSpace}`, `--max-semi-space-size=${v8.semiSpace}`]
      : []),
    ...(v8.predictable ? ['--predictable'] : []),
  ];
}

/** Counts `load` alone in the callgrind process `pid`: instrumentation on, the load, off, dump. */
export async function countedWindow<T>(pid: number, load: () => Promise<T>): Promise<T> {
  execFileSync('callgrind_control', ['-i', 'on', String(pid)], { stdio: 'ignore' });
  const result = await load();
  execFileSync('callgrind_control', ['-i', 'off', String(pid)], { stdio: 'ignore' });
  execFileSync('callgrind_control', ['-d', String(pid)], { stdio: 'ignore' });
  return result;
}

/** Keeps the server's perf map beside its callgrind files (`label.map`); call before it exits. */
export function keepPerfMap(pid: number, dir: string, label: string): void {
  const mapFile = `/tmp/perf-${pid}.map`;
  copyFileSync(mapFile, join(dir, `${label}.map`));
  rmSync(mapFile, { force: true });
}

/** Instructions of the counted window: every thread's, the main thread's by function, its collector's. */
export interface WindowCounts {
  readonly all: number;
  readonly main: { total: number; byFunction: Map<string, number> };
  readonly gc: number;
}

/** Reads the files `label.out*` (and `label.map`) in `dir` after the server exited. */
export function readCounts(dir: string, label: string): WindowCounts {
  const ranges = perfMap(join(dir, `${label}.map`));
  let all = 0;
  let main = { total: 0, byFunction: new Map<string, number>() };
  let mainFile = '';
  for (const file of readdirSync(dir).filter((f) => f.startsWith(`${label}.out`))) {
    const costs = selfCosts(join(dir, file), ranges);
    all += costs.total;
    // Thread 1 is the main thread (its files end in -01).
    if (file.endsWith('-01') && costs.total > main.total) {
      main = costs;
      mainFile = file;
    }
  }
  const gc = mainFile === '' ? 0 : collectorCost(join(dir, mainFile));
  return { all, main, gc };
}
