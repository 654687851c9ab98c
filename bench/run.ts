/**
 * `pnpm bench`: runs the matrix (transports × strategies × peers), alternating rounds A B A B
 * per comparison, checks the load generator against the yardstick, and writes
 * `results/latest.{json,md,svg}`. `pnpm bench:smoke` (`--smoke`): a few seconds, every server
 * answers or the exit code is 1.
 *
 *   node bench/run.ts [--smoke] [--only ID,ID] [--duration S=3] [--rounds N=3] [--idle N=8000]
 *
 * With `--only`, results go to `results/tmp/` (not the commit-worthy `latest.*`).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildSockload } from './lib/loadgen.ts';
import { type ComparisonResult, runComparison } from './lib/measure.ts';
import { cleanUpOnExit, stopEverything } from './lib/processes.ts';
import { markdown, writeResults } from './lib/report.ts';
import { matrix } from './lib/scenarios.ts';
import { runSmoke } from './lib/smoke.ts';
import { checkYardstick } from './lib/yardstick.ts';

const { values } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    only: { type: 'string' },
    duration: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '3' },
    idle: { type: 'string', default: '8000' },
  },
});
const duration = Number(values.duration);
const rounds = Number(values.rounds);
const idle = Number(values.idle);
const log = (line: string) => console.log(line);

/** Child processes of this one still alive (there should be none at the end). */
function leftoverChildren(): string {
  try {
    return readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8').trim();
  } catch {
    return '';
  }
}

function pythonVersion(): string {
  try {
    return execFileSync('python3', ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return 'no python3';
  }
}

cleanUpOnExit();
const started = performance.now();
/** The 1-minute load average now: the report gives it at the start and the end of the run. */
const load1 = () => (loadavg()[0] ?? 0).toFixed(2);
const loadAtStart = load1();
const sockload = buildSockload();
let comparisons = matrix(duration, idle);
let exitCode = 0;

if (values.smoke) {
  log('smoke: every server answers');
  const outcome = await runSmoke(sockload, comparisons);
  log(outcome.failures.length === 0 ? 'smoke: OK' : `smoke: ${outcome.failures.length} FAILED`);
  exitCode = outcome.failures.length === 0 ? 0 : 1;
} else {
  const only = values.only?.split(',');
  if (only !== undefined) comparisons = comparisons.filter((c) => only.includes(c.id));
  const results: ComparisonResult[] = [];
  for (const c of comparisons) {
    log(`${c.id}: ${c.title}`);
    try {
      const result = await runComparison(sockload, c, rounds, log);
      log(`  => ratio ${result.ratio?.toFixed(2)} ${result.verdict}`);
      results.push(result);
    } catch (error) {
      log(`  => ERROR ${(error as Error).message}`);
      results.push({
        id: c.id,
        title: c.title,
        transport: c.transport,
        metric: 'rps',
        verdict: 'ERROR',
        notes: [(error as Error).message],
      });
      exitCode = 1;
    }
  }
  log('yardstick check');
  const yardstick =
    only === undefined
      ? await checkYardstick(sockload, Math.min(duration, 2), rounds, log)
      : { rows: [], skipped: 'not run with --only' };
  const cpu = cpus();
  const output = {
    meta: {
      date: new Date().toISOString(),
      node: process.versions.node,
      python: pythonVersion(),
      cpus: cpu.length,
      cpuModel: cpu[0]?.model.trim() ?? 'unknown',
      kernel: release(),
      duration,
      rounds,
      idleConnections: idle,
      seconds: Math.round((performance.now() - started) / 1000),
      loadavg: `${loadAtStart} at the start, ${load1()} at the end`,
    },
    comparisons: results,
    yardstick,
  };
  const dir = fileURLToPath(
    new URL(only === undefined ? './results/' : './results/tmp/', import.meta.url),
  );
  writeResults(dir, output);
  log(`\n${markdown(output)}`);
  log(`wrote ${dir}latest.{json,md,svg} in ${output.meta.seconds} s`);
}

stopEverything();
const leftovers = leftoverChildren();
log(leftovers === '' ? 'processes: none left running' : `processes still running: ${leftovers}`);
process.exit(exitCode);
