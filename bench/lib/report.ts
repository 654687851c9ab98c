/**
 * The results files: `latest.json` (every round), `latest.md` (the headline table of ratios
 * sockserve / peer with PASS / MISS, then the details) and `latest.svg` (the chart).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ComparisonResult, IdleRound, LoadRound, SideResult } from './measure.ts';
import { chartSvg } from './svg.ts';
import type { YardstickCheck } from './yardstick.ts';

/** Everything one run produced. */
export interface BenchResults {
  readonly meta: Record<string, string | number>;
  readonly comparisons: ComparisonResult[];
  readonly yardstick: YardstickCheck;
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const isLoad = (r: LoadRound | IdleRound): r is LoadRound => 'rps' in r;
const avg = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(xs.length, 1);
/**
 * The server's CPU time per answered request in a round, in µs: far steadier than requests/s
 * on a shared machine (a neighbour takes cores, not the cost of a request).
 */
const cpuPerRequest = (round: LoadRound) => (round.serverCpu / Math.max(round.rps, 1)) * 1e6;

function value(result: ComparisonResult, side: SideResult | undefined): string {
  if (side === undefined) return '—';
  return result.metric === 'rps' ? `${int(side.value)} req/s` : `${side.value.toFixed(2)} KiB/conn`;
}

function targetText(result: ComparisonResult): string {
  if (result.target === undefined) return '—';
  const owner = result.target.issue === undefined ? '' : ` (#${result.target.issue})`;
  return `${result.target.kind === 'min' ? '≥' : '≤'} ${result.target.value}${owner}`;
}

function headline(results: ComparisonResult[]): string[] {
  const lines = [
    '| comparison | sockserve (A) | peer (B) | A | B | ratio A/B | target (issue) | result |',
    '|---|---|---|---:|---:|---:|---|---|',
  ];
  for (const r of results) {
    const ratio =
      r.ratio === undefined || Number.isNaN(r.ratio) ? '—' : `**${r.ratio.toFixed(2)}**`;
    lines.push(
      `| ${r.title} | ${r.a?.label ?? '—'} | ${r.b?.label ?? '—'} | ${value(r, r.a)} | ${value(r, r.b)} | ${ratio} | ${targetText(r)} | ${r.verdict} |`,
    );
  }
  return lines;
}

function details(results: ComparisonResult[]): string[] {
  const lines = [
    '| comparison | side | rounds | p50 µs | p90 µs | p99 µs | server CPU (cores) | server CPU µs / request | loadgen CPU | errors |',
    '|---|---|---|---:|---:|---:|---:|---|---:|---:|',
  ];
  for (const r of results) {
    for (const s of [r.a, r.b]) {
      if (s === undefined) continue;
      const load = s.rounds.filter(isLoad);
      if (load.length > 0) {
        const rounds = load.map((x) => int(x.rps)).join(' / ');
        const p = (key: 'p50_us' | 'p90_us' | 'p99_us') => int(avg(load.map((x) => x[key])));
        const perRequest = load.map((x) => cpuPerRequest(x).toFixed(1)).join(' / ');
        lines.push(
          `| ${r.id} | ${s.label} | ${rounds} req/s | ${p('p50_us')} | ${p('p90_us')} | ${p('p99_us')} | ${avg(load.map((x) => x.serverCpu)).toFixed(2)} | ${perRequest} | ${avg(load.map((x) => x.cpu ?? 0)).toFixed(2)} | ${load.reduce((n, x) => n + x.errors, 0)} |`,
        );
      } else {
        const idle = s.rounds as IdleRound[];
        const rounds = idle
          .map(
            (x) =>
              `${x.perConnectionKiB.toFixed(2)} (${int(x.rssBeforeKiB)}→${int(x.rssAfterKiB)} KiB, ${x.held} held)`,
          )
          .join(' / ');
        lines.push(
          `| ${r.id} | ${s.label} | ${rounds} | | | | | | | ${idle.reduce((n, x) => n + x.errors, 0)} |`,
        );
      }
    }
  }
  return lines;
}

function yardstickLines(check: YardstickCheck): string[] {
  if (check.skipped !== undefined) return [`Skipped: ${check.skipped}`];
  const lines = [
    `Both load generators against the same server (${check.server}), alternating, same run:`,
    '',
    '| load | sockload req/s | yardstick req/s | sockload / yardstick | sockload p99 µs | yardstick p99 µs | sockload CPU |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of check.rows) {
    lines.push(
      `| ${row.load} | ${int(row.sockload.rps)} | ${int(row.yardstick.rps)} | ${(row.sockload.rps / row.yardstick.rps).toFixed(2)} | ${int(row.sockload.p99_us)} | ${int(row.yardstick.p99_us)} | ${(row.sockload.cpu ?? 0).toFixed(2)} |`,
    );
  }
  return lines;
}

/** The Markdown report. */
export function markdown(results: BenchResults): string {
  const notes = results.comparisons.flatMap((r) => r.notes.map((n) => `- ${r.id}: ${n}`));
  return [
    '# sockserve bench — latest run',
    '',
    `${results.meta.date} · ${results.meta.cpus} × ${results.meta.cpuModel} · Node ${results.meta.node} · ${results.meta.python} · ${results.meta.rounds} rounds × ${results.meta.duration} s per side (more where a row says so), alternating A B A B A B, the median round compared${results.meta.loadavg === undefined ? '' : ` · load average ${results.meta.loadavg}`}`,
    '',
    'Ratio = sockserve (A) / peer (B), both measured in this run. Throughput: higher is better (target ≥). Memory per idle connection: lower is better (target ≤). Each target names the tracker issue that set it.',
    '',
    ...headline(results.comparisons),
    '',
    '![ratios](latest.svg)',
    '',
    '## Details (every round; latencies and CPU are means of the rounds)',
    '',
    ...details(results.comparisons),
    '',
    '## Load generator check against the yardstick (../shared/bench/loadgen.c)',
    '',
    ...yardstickLines(results.yardstick),
    '',
    '## Notes',
    '',
    ...(notes.length > 0 ? notes : ['- none']),
    '',
  ].join('\n');
}

/** Writes latest.md and latest.svg into `dir` from `results` (as read back from latest.json). */
export function renderResults(dir: string, results: BenchResults): void {
  writeFileSync(join(dir, 'latest.md'), markdown(results));
  writeFileSync(join(dir, 'latest.svg'), chartSvg(results.comparisons, results.meta));
}

/** Writes latest.json, latest.md and latest.svg into `dir`. */
export function writeResults(dir: string, results: BenchResults): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(dir, 'latest.md'), markdown(results));
  writeFileSync(join(dir, 'latest.svg'), chartSvg(results.comparisons, results.meta));
}
