/**
 * The check of the bench's load generator against an independent one
 * (`../shared/bench/loadgen.c`, next to the repository): both drive the same raw Node TCP server, alternating,
 * persistent and connection-per-request. Close numbers (and sockload's CPU well under one
 * core) say sockload measures the server, not itself.
 */
import {
  buildYardstick,
  type LoadOptions,
  type LoadResult,
  runLoad,
  runYardstick,
  YARDSTICK_NAME,
} from './loadgen.ts';
import { startServer } from './processes.ts';
import { rawNode } from './scenarios.ts';

/** One load, both generators (means of the rounds). */
export interface YardstickRow {
  readonly load: string;
  readonly sockload: LoadResult;
  readonly yardstick: LoadResult;
}

/** The check's outcome, or why it was skipped. */
export interface YardstickCheck {
  readonly server?: string;
  readonly rows: YardstickRow[];
  readonly skipped?: string;
}

function meanResult(results: LoadResult[]): LoadResult {
  const m = (key: keyof LoadResult) =>
    results.reduce((s, r) => s + (r[key] ?? 0), 0) / results.length;
  return {
    requests: m('requests'),
    errors: m('errors'),
    seconds: m('seconds'),
    rps: m('rps'),
    p50_us: m('p50_us'),
    p90_us: m('p90_us'),
    p99_us: m('p99_us'),
    max_us: m('max_us'),
    ...(results[0]?.cpu === undefined ? {} : { cpu: m('cpu') }),
  };
}

/** Runs the check, `rounds` alternating rounds of `duration` s per generator and load. */
export async function checkYardstick(
  sockload: string,
  duration: number,
  rounds: number,
  log: (line: string) => void,
): Promise<YardstickCheck> {
  let yardstick: string | undefined;
  try {
    yardstick = buildYardstick();
  } catch (error) {
    return { rows: [], skipped: (error as Error).message };
  }
  if (yardstick === undefined)
    return {
      rows: [],
      skipped: `${YARDSTICK_NAME} (next to the repository) is not on this machine`,
    };
  const side = rawNode('tcp');
  const server = await startServer(side.spec);
  const rows: YardstickRow[] = [];
  try {
    const loads: Array<[string, LoadOptions]> = [
      ['TCP persistent, 50 conns', { conns: 50, duration }],
      ['TCP connection per request, 50 clients', { conns: 50, duration, perRequest: true }],
    ];
    for (const [label, load] of loads) {
      await runLoad(sockload, server, { ...load, duration: 1 });
      const ours: LoadResult[] = [];
      const theirs: LoadResult[] = [];
      for (let r = 0; r < rounds; r++) {
        ours.push(await runLoad(sockload, server, load));
        theirs.push(await runYardstick(yardstick, server, load));
      }
      const row = { load: label, sockload: meanResult(ours), yardstick: meanResult(theirs) };
      log(
        `  ${label}: sockload ${row.sockload.rps.toFixed(0)} req/s, yardstick ${row.yardstick.rps.toFixed(0)} req/s`,
      );
      rows.push(row);
    }
  } finally {
    await server.stop();
  }
  return { server: side.label, rows };
}
