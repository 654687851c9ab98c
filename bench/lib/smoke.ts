/**
 * The smoke run CI uses so the bench never rots: every server of the matrix (and each
 * remaining transport × strategy) starts, answers a few requests, and stops; the idle-hold
 * path is exercised with a few connections. No targets: it fails only when something does
 * not answer (or does not start).
 */
import { holdConnections, runLoad } from './loadgen.ts';
import { describe, startServer } from './processes.ts';
import { type Comparison, type Side, smokeExtras, sockserve } from './scenarios.ts';

/** What the smoke run found. */
export interface SmokeOutcome {
  readonly failures: string[];
}

async function ping(binary: string, side: Side): Promise<string | undefined> {
  const server = await startServer(side.spec);
  try {
    const sequentialStream =
      side.spec.args.includes('sequential') &&
      (side.spec.transport === 'tcp' || side.spec.transport === 'unix');
    const result = await runLoad(binary, server, {
      conns: sequentialStream ? 2 : 4,
      duration: 1,
      maxRequests: side.spec.args.includes('cpu') ? 20 : 200,
      ...(sequentialStream ? { perRequest: true } : {}),
    });
    const line = `${side.label} [${side.spec.transport}]: ${result.requests} answered, ${result.errors} errors`;
    return result.requests > 0 ? line : `FAIL ${line}: ${server.stderr().trim()}`;
  } finally {
    const stop = await server.stop();
    if (stop.code !== 0 || stop.killed || stop.leftovers) {
      console.log(`  note: ${side.label} [${side.spec.transport}] stop: ${JSON.stringify(stop)}`);
    }
  }
}

async function holdCheck(binary: string): Promise<string> {
  const side = sockserve('tcp', 'async');
  const server = await startServer(side.spec);
  try {
    const held = await holdConnections(binary, server, 50);
    await held.release();
    const line = `${side.label} [tcp]: ${held.held} of 50 idle connections held`;
    return held.held === 50 ? line : `FAIL ${line}`;
  } finally {
    await server.stop();
  }
}

/** Pings every distinct server of `comparisons` plus the extras, three at a time. */
export async function runSmoke(binary: string, comparisons: Comparison[]): Promise<SmokeOutcome> {
  const sides = new Map<string, Side>();
  for (const side of [...comparisons.flatMap((c) => [c.a, c.b]), ...smokeExtras()]) {
    sides.set(describe(side.spec), side);
  }
  const failures: string[] = [];
  const queue = [...sides.values()];
  const worker = async () => {
    for (let side = queue.shift(); side !== undefined; side = queue.shift()) {
      let line: string | undefined;
      try {
        line = await ping(binary, side);
      } catch (error) {
        line = `FAIL ${side.label} [${side.spec.transport}]: ${(error as Error).message}`;
      }
      console.log(`  ${line}`);
      if (line?.startsWith('FAIL')) failures.push(line);
    }
  };
  await Promise.all([worker(), worker(), worker()]);
  try {
    const line = await holdCheck(binary);
    console.log(`  ${line}`);
    if (line.startsWith('FAIL')) failures.push(line);
  } catch (error) {
    failures.push(`FAIL idle hold: ${(error as Error).message}`);
  }
  return { failures };
}
