/**
 * Issue 11, on its own (not in the matrix): what one request on a persistent stream costs the
 * server — sockserve's async echo (`UpperEchoHandler`), raw `net`, and with `--bare` a bare
 * `BaseRequestHandler` — in figures the load of other processes moves far less than requests/s.
 * Each round sends a fixed number of requests (sockload `--max-requests`, 50 persistent
 * connections) to each server in turn and reads its CPU µs per request (`/proc/PID/stat`; this
 * VM has no hardware counters for `perf stat -e instructions`). `--garbage` adds one round per
 * side under V8's sampling heap profiler, collected objects included (lib/alloc-sampler.mjs):
 * bytes allocated per request, and the top allocation sites. `--cpu-profile` adds one round per
 * side under the CPU profiler (50 µs sampling, steady state only, no start-up): µs per request
 * by function — wall time on the thread, so a write() that wakes the client and is preempted
 * counts its wait too. `--line` adds sockserve's line callback echo (`UpperLineHandler`,
 * `LineRequestHandler`). `--raw-utf8` adds raw `net` writing UTF-8 (sockserve's default) instead
 * of latin1.
 *
 * `--transport udp` counts datagrams (50 clients): `UDPServer` with `UpperDatagramHandler` (the
 * matrix's `udp-async` row) against the raw `dgram` echo.
 *
 *   node bench/persistent-cost.ts [--transport tcp,unix,udp] [--requests 100000] [--rounds 3]
 *     [--bare] [--line] [--raw-utf8] [--garbage | --cpu-profile] [--top 12] [--predictable]
 *
 * `--predictable` runs every server with V8's `--predictable` (compilation and the collector's
 * tasks on the main thread, none in the background), as the callgrind benches can
 * (lib/callgrind-run.ts): the CPU figure here sums every thread of the server, so the flag
 * moves V8's background work onto the main thread rather than out of the count; what it
 * removes is the timing of that work (a compile that lands in one round and not another).
 * Session 23, TCP, 20,000 requests × 3 rounds, load 8–12, three runs each: sockserve async
 * 30.49 / 20.49 / 24.96 µs CPU a request without, 20.46 / 21.47 / 31.95 with (raw net 23.97 /
 * 17.96 / 21.99, 21.96 / 16.99 / 24.99): here the spread is the machine's load, not V8's.
 *
 * Prints one line per side and round, then the medians as one JSON line.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildSockload, runLoad } from './lib/loadgen.ts';
import { median } from './lib/measure.ts';
import { cpuSeconds } from './lib/proc-stats.ts';
import { cleanUpOnExit, type RunningServer, startServer, stopEverything } from './lib/processes.ts';
import { rawNode, type Side, sockserve } from './lib/scenarios.ts';

const { values } = parseArgs({
  options: {
    transport: { type: 'string', default: 'tcp,unix' },
    requests: { type: 'string', default: '100000' },
    rounds: { type: 'string', default: '3' },
    bare: { type: 'boolean', default: false },
    line: { type: 'boolean', default: false },
    'raw-utf8': { type: 'boolean', default: false },
    garbage: { type: 'boolean', default: false },
    'cpu-profile': { type: 'boolean', default: false },
    top: { type: 'string', default: '12' },
    // V8's --predictable in every server: nothing compiled or collected in the background.
    predictable: { type: 'boolean', default: false },
  },
});
const requests = Number(values.requests);
const rounds = Number(values.rounds);
const top = Number(values.top);
const transports = values.transport.split(',');
if (
  !(Number.isInteger(requests) && requests >= 1000) ||
  !(Number.isInteger(rounds) && rounds >= 1) ||
  !(Number.isInteger(top) && top >= 0) ||
  transports.some((t) => t !== 'tcp' && t !== 'unix' && t !== 'udp') ||
  (values.garbage && values['cpu-profile'])
) {
  console.error(
    'usage: node bench/persistent-cost.ts [--transport tcp,unix,udp] [--requests N>=1000] [--rounds N] [--bare] [--line] [--raw-utf8] [--garbage | --cpu-profile] [--top N] [--predictable]',
  );
  process.exit(2);
}
const profiling = values.garbage || values['cpu-profile'];
const SAMPLER = fileURLToPath(new URL('./lib/alloc-sampler.mjs', import.meta.url));

interface ProfileFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface HeapNode {
  readonly callFrame: ProfileFrame;
  readonly selfSize: number;
  readonly children: HeapNode[];
}
interface CpuProfile {
  readonly nodes: { readonly id: number; readonly callFrame: ProfileFrame }[];
  readonly samples: number[];
  readonly timeDeltas: number[];
}

const frameName = (f: ProfileFrame) =>
  `${f.functionName || '(anonymous)'} ${f.url.split('/').pop() ?? ''}:${f.lineNumber + 1}`;

/** The `top` largest entries of `totals`, divided by the requests of the round. */
function perRequest(totals: Map<string, number>, unit: string, count: number): string[] {
  return [...totals]
    .sort((x, y) => y[1] - x[1])
    .slice(0, top)
    .map(
      ([name, value]) => `    ${(value / count).toFixed(unit === 'B' ? 0 : 3)} ${unit}  ${name}`,
    );
}

function heapSites(profile: HeapNode, count: number): string[] {
  const totals = new Map<string, number>();
  const walk = (node: HeapNode) => {
    const name = frameName(node.callFrame);
    totals.set(name, (totals.get(name) ?? 0) + node.selfSize);
    for (const child of node.children) walk(child);
  };
  walk(profile);
  return perRequest(totals, 'B', count);
}

function cpuSites(profile: CpuProfile, count: number): string[] {
  const frames = new Map(profile.nodes.map((node) => [node.id, frameName(node.callFrame)]));
  const totals = new Map<string, number>();
  profile.samples.forEach((id, index) => {
    const name = frames.get(id) ?? '?';
    if (!name.startsWith('(idle)')) {
      totals.set(name, (totals.get(name) ?? 0) + (profile.timeDeltas[index] ?? 0));
    }
  });
  return perRequest(totals, 'µs', count);
}

/** One counted round: the server's CPU µs per request. */
async function measure(sockload: string, server: RunningServer): Promise<number> {
  const before = cpuSeconds(server.pid);
  const load = await runLoad(sockload, server, { conns: 50, duration: 600, maxRequests: requests });
  return ((cpuSeconds(server.pid) - before) * 1e6) / load.requests;
}

/** One round under the profiler the sampler was started for (SIGUSR2 starts and stops it). */
async function profiled(
  sockload: string,
  server: RunningServer,
  out: string,
  prefix: string,
): Promise<{ bytes: number; sites: string[] }> {
  const lines = () => readFileSync(out, 'utf8').split('\n').filter(Boolean);
  const seen = lines().length;
  process.kill(server.pid, 'SIGUSR2');
  await new Promise((resolve) => setTimeout(resolve, 200));
  const load = await runLoad(sockload, server, { conns: 50, duration: 600, maxRequests: requests });
  process.kill(server.pid, 'SIGUSR2');
  while (lines().length === seen) await new Promise((resolve) => setTimeout(resolve, 100));
  const profile = JSON.parse(readFileSync(`${prefix}-${server.pid}.json`, 'utf8'));
  const bytes = Number(lines()[seen]) / load.requests;
  return values.garbage
    ? { bytes, sites: heapSites(profile.head as HeapNode, load.requests) }
    : { bytes, sites: cpuSites(profile as CpuProfile, load.requests) };
}

cleanUpOnExit();
const sockload = buildSockload();
const dir = mkdtempSync(join(tmpdir(), 'sockserve-cost-'));
const summary: Record<string, unknown> = { requests, rounds, predictable: values.predictable };
try {
  for (const transport of transports as ('tcp' | 'unix' | 'udp')[]) {
    const raw = rawNode(transport);
    const sides: Side[] = [
      sockserve(transport, 'async'),
      raw,
      ...(values.bare ? [sockserve(transport, 'async', { handler: 'bare' })] : []),
      ...(values.line && transport !== 'udp'
        ? [sockserve(transport, 'async', { handler: 'line' })]
        : []),
      ...(values['raw-utf8'] && transport !== 'udp'
        ? [
            {
              label: 'raw node net utf8',
              spec: { ...raw.spec, args: [...raw.spec.args, '--encoding', 'utf8'] },
            },
          ]
        : []),
    ];
    const running: { side: Side; server: RunningServer; out: string; cpuUs: number[] }[] = [];
    for (const [index, side] of sides.entries()) {
      const out = join(dir, `${transport}-${index}.txt`);
      writeFileSync(out, '');
      const prefix = join(dir, 'profile');
      const env = {
        ...process.env,
        SOCKSERVE_ALLOC_OUT: out,
        ...(values.garbage ? { SOCKSERVE_ALLOC_PROFILE: prefix } : {}),
        ...(values['cpu-profile'] ? { SOCKSERVE_CPU_PROFILE: prefix } : {}),
      };
      const args = [
        ...(values.predictable ? ['--predictable'] : []),
        ...(profiling ? ['--import', SAMPLER] : []),
        ...side.spec.args,
      ];
      const server = await startServer({ ...side.spec, args }, { env });
      // Warm-up: JIT, the heap's size, every connection's objects.
      await runLoad(sockload, server, { conns: 50, duration: 600, maxRequests: requests / 2 });
      running.push({ side, server, out, cpuUs: [] });
    }
    for (let round = 1; round <= rounds; round++) {
      for (const entry of running) {
        const cpuUs = await measure(sockload, entry.server);
        entry.cpuUs.push(cpuUs);
        console.log(
          `${transport} ${entry.side.label} round ${round}: ${cpuUs.toFixed(2)} µs CPU/req`,
        );
      }
    }
    for (const entry of running) {
      const name = `${transport} ${entry.side.label}`;
      const result: Record<string, number> = { cpuUs: Number(median(entry.cpuUs).toFixed(2)) };
      if (profiling) {
        const { bytes, sites } = await profiled(
          sockload,
          entry.server,
          entry.out,
          join(dir, 'profile'),
        );
        if (values.garbage) result.bytes = Math.round(bytes);
        console.log(
          `${name}: ${values.garbage ? `${Math.round(bytes)} B allocated/req` : 'CPU profile, µs/req'}`,
        );
        console.log(sites.join('\n'));
      }
      summary[name] = result;
      await entry.server.stop();
    }
  }
} finally {
  stopEverything();
  rmSync(dir, { recursive: true, force: true });
}
console.log(JSON.stringify(summary));
