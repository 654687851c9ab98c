/**
 * Profiles one comparison.
 *
 * A throughput comparison: runs the sockserve side under `node --cpu-prof` with the
 * comparison's load, stops it gracefully (the profile is written at exit), and prints where
 * the CPU went — self time per function and per area (sockserve package, Node internals, …),
 * as a share of the busy (non-idle) time. Profiles are kept in `results/profiles/`.
 *
 * A memory comparison (`tcp-idle-memory`): runs both sides holding `--idle N` idle
 * connections and prints, per connection, the RSS, the JS heap, and the heap objects that
 * make it up (from two heap snapshots; see lib/idle-profile.ts). `--bare` adds a bare
 * `BaseRequestHandler` doing the same echo on the socket's events: core's share, without the
 * stream handler's. `--node-args="…"` passes flags to every side's `node` (memory mode).
 *
 *   node bench/profile.ts ID [--seconds 5] [--idle 2000] [--bare] [--node-args="…"]   (ID: a comparison id from lib/scenarios.ts)
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { censusBytes, censusDelta, formatDelta } from './lib/heap-snapshot.ts';
import { formatIdleProfile, type IdleProfile, profileIdle } from './lib/idle-profile.ts';
import { buildSockload, runLoad } from './lib/loadgen.ts';
import { cleanUpOnExit, startServer, stopEverything } from './lib/processes.ts';
import { matrix, sockserve } from './lib/scenarios.ts';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
}
interface CpuProfile {
  readonly nodes: ProfileNode[];
  readonly samples: number[];
  readonly timeDeltas: number[];
}

const { values, positionals } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    idle: { type: 'string', default: '2000' },
    bare: { type: 'boolean', default: false },
    'node-args': { type: 'string', default: '' },
  },
  allowPositionals: true,
});
const comparison = matrix(Number(values.seconds), Number(values.idle)).find(
  (c) => c.id === positionals[0],
);
if (comparison === undefined) {
  console.error(
    'usage: node bench/profile.ts ID [--seconds S] [--idle N] [--bare] [--node-args="…"]  (ID of a comparison)',
  );
  process.exit(2);
}
cleanUpOnExit();
const dir = fileURLToPath(new URL(`./results/profiles/${comparison.id}/`, import.meta.url));

if (comparison.workload.kind === 'idle') {
  console.log(`${comparison.title}: where the bytes of an idle connection go\n`);
  // --bare: also a bare BaseRequestHandler on the same transport (core's share, no stream handler).
  const bare = values.bare ? [sockserve(comparison.transport, 'async', { handler: 'bare' })] : [];
  const profiles: IdleProfile[] = [];
  for (const side of [comparison.a, ...bare, comparison.b]) {
    const profile = await profileIdle(
      buildSockload(),
      side,
      comparison.workload.connections,
      join(dir, side.label.replace(/\W+/g, '-')),
      { nodeArgs: values['node-args'].split(' ').filter((arg) => arg !== '') },
    );
    profiles.push(profile);
    console.log(`${formatIdleProfile(profile)}\n`);
  }
  const [withStream, withoutStream] = profiles;
  if (bare.length > 0 && withStream !== undefined && withoutStream !== undefined) {
    const share = censusDelta(withoutStream.perConnection, withStream.perConnection, 1);
    console.log(
      `the stream handler's share (${withStream.label} - ${withoutStream.label}): ${(censusBytes(share) / 1024).toFixed(2)} KiB heap/conn\n${formatDelta(share, 25)}\n`,
    );
  }
  stopEverything();
  process.exit(0);
}

/** Where a frame's code lives. */
function area(url: string, name: string): string {
  if (name === '(garbage collector)') return 'gc';
  if (name === '(program)' || name === '(root)') return 'native / program';
  const pkg = /packages\/([^/]+)\//.exec(url);
  if (pkg !== null) return `@sockserve/${pkg[1]}`;
  if (url.includes('/bench/')) return 'bench handler';
  if (url.startsWith('node:')) return 'node internals';
  return url === '' ? 'native / builtins' : 'other';
}

rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const spec = comparison.a.spec;
const server = await startServer({
  ...spec,
  args: ['--cpu-prof', '--cpu-prof-dir', dir, ...spec.args],
});
const result = await runLoad(buildSockload(), server, comparison.workload.load);
await server.stop();
stopEverything();
console.log(
  `${comparison.a.label}, ${comparison.title}: ${result.rps.toFixed(0)} req/s under the profiler`,
);

const byFunction = new Map<string, number>();
const byArea = new Map<string, number>();
let busy = 0;
const byThread: string[] = [];
for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  let fileBusy = 0;
  profile.samples.forEach((id, i) => {
    const frame = nodes.get(id)?.callFrame;
    if (frame === undefined || frame.functionName === '(idle)') return;
    const us = profile.timeDeltas[i] ?? 0;
    const where =
      frame.url === ''
        ? ''
        : ` ${frame.url.replace(/^.*\/(packages|bench)\//, '$1/')}:${frame.lineNumber + 1}`;
    const key = `${frame.functionName || '(anonymous)'}${where}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    const a = area(frame.url, frame.functionName);
    byArea.set(a, (byArea.get(a) ?? 0) + us);
    busy += us;
    fileBusy += us;
  });
  byThread.push(`  ${(fileBusy / 1e6).toFixed(2)} s busy  ${file}`);
}
const show = (map: Map<string, number>, count: number) =>
  [...map.entries()]
    .sort((x, y) => y[1] - x[1])
    .slice(0, count)
    .map(([key, us]) => `  ${((100 * us) / busy).toFixed(1).padStart(5)}%  ${key}`)
    .join('\n');
console.log(`\nbusy time per thread (one profile per thread):\n${byThread.join('\n')}`);
console.log(`\nself time by area (busy ${(busy / 1e6).toFixed(2)} s):\n${show(byArea, 12)}`);
console.log(`\nself time by function, top 30:\n${show(byFunction, 30)}`);
console.log(`\nprofiles: ${dir}`);
