/**
 * `node bench/profile.ts tcp-idle-memory`: where the bytes of an idle connection go, for each
 * side of a memory comparison. RSS is read as `bench/run.ts` reads it (before the snapshots,
 * which inflate it); the JS heap per connection comes from two heap snapshots (see
 * heap-snapshot.ts): one while the connections are held, one after they were released.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  censusBytes,
  censusDelta,
  formatDelta,
  type HeapCensus,
  snapshotCensus,
} from './heap-snapshot.ts';
import { holdConnections, runLoad } from './loadgen.ts';
import { rssKiB } from './proc-stats.ts';
import { startServer } from './processes.ts';
import type { Side } from './scenarios.ts';

/** One side's figures, per idle connection. */
export interface IdleProfile {
  readonly label: string;
  readonly held: number;
  readonly rssKiB: number;
  readonly heapKiB: number;
  /** The largest groups of heap objects, as printable lines. */
  readonly top: string;
  /** Heap objects per connection, by group. */
  readonly perConnection: HeapCensus;
}

/**
 * Profiles `side` holding `connections` idle connections; snapshots go to `dir` (then
 * deleted). `nodeArgs` are extra flags for the server's `node` (`--max-semi-space-size=1`, …).
 */
export async function profileIdle(
  binary: string,
  side: Side,
  connections: number,
  dir: string,
  options: { readonly top?: number; readonly nodeArgs?: readonly string[] } = {},
): Promise<IdleProfile> {
  const top = options.top ?? 25;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const [script, ...rest] = side.spec.args;
  const server = await startServer({
    ...side.spec,
    args: [
      ...(options.nodeArgs ?? []),
      '--heapsnapshot-signal=SIGUSR2',
      '--diagnostic-dir',
      dir,
      script as string,
      ...rest,
    ],
  });
  try {
    // As bench/run.ts: warm the code paths first, so the difference is the connections.
    await runLoad(binary, server, { conns: 4, duration: 1, maxRequests: 2000 });
    await sleep(500);
    const rssBefore = rssKiB(server.pid);
    const held = await holdConnections(binary, server, connections);
    await sleep(1500);
    const rssHeld = rssKiB(server.pid);
    const withConnections = await snapshotCensus(server.pid, dir);
    await held.release();
    // The connections are gone once the server saw their EOF and closed them.
    await sleep(1500);
    const without = await snapshotCensus(server.pid, dir);
    const per = Math.max(held.held, 1);
    const delta = censusDelta(without, withConnections, per);
    return {
      label: side.label,
      held: held.held,
      rssKiB: (rssHeld - rssBefore) / per,
      heapKiB: censusBytes(delta) / 1024,
      top: formatDelta(delta, top),
      perConnection: delta,
    };
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The report of one side, for the console. */
export function formatIdleProfile(p: IdleProfile): string {
  return [
    `${p.label}: ${p.held} idle connections`,
    `  RSS ${p.rssKiB.toFixed(2)} KiB/conn; JS heap ${p.heapKiB.toFixed(2)} KiB/conn; the rest (${(p.rssKiB - p.heapKiB).toFixed(2)} KiB/conn) is native memory and heap slack`,
    '  heap objects per connection (self size, largest first):',
    p.top,
  ].join('\n');
}
