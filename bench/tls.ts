/**
 * Issue 16's bench: TLS, in its own run (not part of the matrix). Each server is a child
 * process (`--server KIND`); the persistent clients are Node `tls.connect` in this process,
 * the handshake client the C one below (or Node's, `--client node`).
 *
 * - persistent: `--connections` TLS connections, each sending a line and waiting for its
 *   upper-cased echo, over and over: sockserve `TLSServer` (async) vs raw `node:tls`
 *   (target >= 0.9x).
 * - handshakes: a new TLS connection per request (handshake, one line, close), `--concurrency`
 *   at once: `TLSServer` under threading with 2 workers vs async (target >= 1.6x: a handshake
 *   is CPU work a second core can take).
 *
 * Handshake client (`--client`): `c` (default) is `loadgen/tlsload.c` on OpenSSL — full
 * handshakes, N in flight on one epoll thread, about half the CPU per handshake of Node's
 * client, so the server, not the client, takes most of the 2 cores; it needs cc and
 * libssl-dev, and without them the bench says so and uses `node` (`tls.connect`, as before).
 * The persistent phase always uses Node's client.
 *
 * Certificates: an EC P-256 key made by `openssl req` into a temp dir. Prints one JSON line
 * (and a line per measurement on stderr): the median of `--rounds` alternating rounds. The client shares the machine: on 2 cores it takes
 * one, which caps what a second server core can show. The server's CPU time per request (from
 * /proc, every thread) is printed too: on a loaded machine it says more than requests/s; for
 * handshakes also by thread (main, worker threads, V8/libuv helpers), the client's own CPU per
 * request (a client handshake costs about what the server's does: one client thread can't
 * keep two server cores busy — `--client-threads N`), and the threading ratio projected from
 * those CPU figures (lib/tls-projection.ts: a core per server thread, 2 server cores with the
 * client elsewhere, and the ceiling with the client on the same cores). On a loaded machine
 * req/s follows the scheduler's share: a server with 3 busy threads gets about 3 shares.
 * `--server-cpus` / `--client-cpus` pin the servers / the clients (`taskset -c LIST`).
 *   node bench/tls.ts [--duration 3] [--rounds 3] [--connections 32] [--concurrency 16] [--client-threads 1]
 *     [--only raw,async,async-sni,threading-2] [--server-cpus LIST] [--client-cpus LIST]
 *     [--phases persistent,handshakes] [--client c|node] [--cpu-prof DIR]   (servers under `node --cpu-prof`)
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { clientCpuMs, type ThreadCpu, threadCpuMs } from './lib/thread-cpu.ts';
import { handshakesFrom, persistent, type Rate } from './lib/tls-clients.ts';
import { buildTlsload, runTlsload } from './lib/tls-loadgen.ts';
import {
  ceilingOnSharedCores,
  type HandshakeCpu,
  projectedOnCorePerThread,
  projectedOnTwoCores,
} from './lib/tls-projection.ts';
import { type Kind, runServer } from './lib/tls-servers.ts';

const { values } = parseArgs({
  options: {
    server: { type: 'string' },
    dir: { type: 'string' },
    duration: { type: 'string', default: '3' },
    connections: { type: 'string', default: '32' },
    concurrency: { type: 'string', default: '16' },
    'client-threads': { type: 'string', default: '1' },
    only: { type: 'string', default: 'raw,async,threading-2' },
    rounds: { type: 'string', default: '3' },
    phases: { type: 'string', default: 'persistent,handshakes' },
    'cpu-prof': { type: 'string' },
    client: { type: 'string', default: 'c' },
    'server-cpus': { type: 'string' },
    'client-cpus': { type: 'string' },
  },
});
/** `taskset -c LIST` in front of a command, when `--server-cpus` / `--client-cpus` ask for it. */
const pinned = (cpus: string | undefined, command: string, args: string[]): [string, string[]] =>
  cpus === undefined ? [command, args] : ['taskset', ['-c', cpus, command, ...args]];
/** `--cpu-prof DIR`: servers run under `node --cpu-prof` (profiles written to DIR at exit). */
const profileArgs =
  values['cpu-prof'] === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', values['cpu-prof']];
const phases = new Set(values.phases.split(','));

/** Starts a server child; resolves its port and a stop function. */
async function startServer(
  kind: Kind,
  dir: string,
): Promise<{ port: number; cpu: () => ThreadCpu; stop: () => Promise<void> }> {
  const args = [...profileArgs, import.meta.filename, '--server', kind, '--dir', dir];
  // taskset execs node: the pid read for CPU time stays the server's.
  const [command, argv] = pinned(values['server-cpus'], process.execPath, args);
  const child = spawn(command, argv, {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  return {
    port: Number(line.split(' ')[1]),
    cpu: () => threadCpuMs(child.pid as number),
    stop: async () => {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

if (values.server !== undefined) {
  await runServer(values.server as Kind, values.dir as string);
} else {
  const dir = mkdtempSync(join(tmpdir(), 'sockserve-bench-tls-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      'key.pem',
      '-out',
      'cert.pem',
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
    ],
    { cwd: dir, stdio: 'ignore' },
  );
  const seconds = Number(values.duration);
  const connections = Number(values.connections);
  const concurrency = Number(values.concurrency);
  const clientThreads = Number(values['client-threads']);
  const rounds = Number(values.rounds);
  const kinds = values.only.split(',') as Kind[];
  const built = values.client === 'c' ? buildTlsload() : { unavailable: '--client node' };
  const tlsload = typeof built === 'string' ? built : undefined;
  if (typeof built !== 'string' && values.client === 'c')
    console.error(`handshake client: Node's tls.connect (the C client: ${built.unavailable})`);
  /** The handshake client's CPU per handshake, µs, when it reports it (the C client). */
  let cClientCpu: number | undefined;
  const handshakeLoad = async (port: number): Promise<Rate> => {
    if (tlsload === undefined) return handshakesFrom(clientThreads, port, concurrency, seconds);
    const result = await runTlsload(tlsload, port, concurrency, seconds, values['client-cpus']);
    if (result.errors > 0) console.error(`tlsload: ${result.errors} failed connections`);
    cClientCpu = result.cpuMicrosPerHandshake;
    return { rate: result.rate, all: result.all };
  };
  // Every server runs the whole time; rounds alternate between them, so a machine whose load
  // drifts (a shared one) weighs on each alike; each figure is the median of its rounds.
  const samples = new Map<string, number[]>();
  const note = (key: string, value: number) =>
    samples.set(key, [...(samples.get(key) ?? []), value]);
  const servers = new Map<Kind, Awaited<ReturnType<typeof startServer>>>();
  try {
    for (const kind of kinds) servers.set(kind, await startServer(kind, dir));
    // Node's clients run in this process: pinned (all its threads) once the servers started,
    // which would otherwise inherit it.
    if (values['client-cpus'] !== undefined)
      execFileSync('taskset', ['-a', '-pc', values['client-cpus'], String(process.pid)], {
        stdio: 'ignore',
      });
    for (let round = 1; round <= rounds; round += 1) {
      for (const kind of kinds) {
        const server = servers.get(kind) as Awaited<ReturnType<typeof startServer>>;
        // The server's CPU per request: robust where throughput is not (a loaded machine).
        // Only the phases run are noted and printed.
        const said: string[] = [];
        if (phases.has('persistent')) {
          const cpu = server.cpu();
          const client = clientCpuMs();
          const steady = await persistent(server.port, connections, seconds);
          const serverCpu = ((server.cpu().total - cpu.total) / steady.all) * 1000;
          const clientCpu = ((clientCpuMs() - client) / steady.all) * 1000;
          note(`persistent ${kind}`, steady.rate);
          note(`persistent cpu ${kind}`, serverCpu);
          note(`persistent client cpu ${kind}`, clientCpu);
          said.push(
            `persistent ${Math.round(steady.rate)} req/s (${Math.round(serverCpu)} µs server CPU, ${Math.round(clientCpu)} µs client CPU each)`,
          );
        }
        if (phases.has('handshakes')) {
          const cpu = server.cpu();
          const client = clientCpuMs();
          const fresh = await handshakeLoad(server.port);
          const after = server.cpu();
          const per = (key: keyof ThreadCpu) => ((after[key] - cpu[key]) / fresh.all) * 1000;
          const clientCpu =
            tlsload === undefined
              ? ((clientCpuMs() - client) / fresh.all) * 1000
              : (cClientCpu ?? Number.NaN);
          note(`handshakes ${kind}`, fresh.rate);
          note(`handshakes cpu ${kind}`, per('total'));
          note(`handshakes cpu main ${kind}`, per('main'));
          note(`handshakes cpu workers ${kind}`, per('workers'));
          note(`handshakes cpu helpers ${kind}`, per('helpers'));
          note(`handshakes client cpu ${kind}`, clientCpu);
          said.push(
            `handshakes ${Math.round(fresh.rate)}/s (${Math.round(per('total'))} µs server CPU each: main ${Math.round(per('main'))}, workers ${Math.round(per('workers'))}, helpers ${Math.round(per('helpers'))}; ${Math.round(clientCpu)} µs client CPU)`,
          );
        }
        console.error(
          `round ${round} ${kind}: ${said.join(', ')} load ${loadavg()[0]?.toFixed(1)}`,
        );
      }
    }
  } finally {
    for (const server of servers.values()) await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const median = (key: string) => {
    const sorted = [...(samples.get(key) ?? [])].sort((a, b) => a - b);
    return sorted.length === 0
      ? undefined
      : Math.round(sorted[Math.floor(sorted.length / 2)] as number);
  };
  const result = {
    persistent: Object.fromEntries(kinds.map((kind) => [kind, median(`persistent ${kind}`)])),
    handshakes: Object.fromEntries(kinds.map((kind) => [kind, median(`handshakes ${kind}`)])),
    serverCpuMicrosPerRequest: {
      persistent: Object.fromEntries(kinds.map((kind) => [kind, median(`persistent cpu ${kind}`)])),
      handshakes: Object.fromEntries(kinds.map((kind) => [kind, median(`handshakes cpu ${kind}`)])),
      /** Where a handshake's server CPU went: main thread, worker threads, V8/libuv helpers. */
      handshakesByThread: Object.fromEntries(
        kinds.map((kind) => [
          kind,
          {
            main: median(`handshakes cpu main ${kind}`),
            workers: median(`handshakes cpu workers ${kind}`),
            helpers: median(`handshakes cpu helpers ${kind}`),
          },
        ]),
      ),
    },
    /** The load generator's CPU per request (it shares the machine with the server). */
    clientCpuMicrosPerRequest: {
      persistent: Object.fromEntries(
        kinds.map((kind) => [kind, median(`persistent client cpu ${kind}`)]),
      ),
      handshakes: Object.fromEntries(
        kinds.map((kind) => [kind, median(`handshakes client cpu ${kind}`)]),
      ),
    },
  } as {
    persistent: Record<string, number | undefined>;
    handshakes: Record<string, number | undefined>;
    serverCpuMicrosPerRequest: Record<string, Record<string, unknown>> & {
      persistent: Record<string, number | undefined>;
      handshakes: Record<string, number | undefined>;
    };
    clientCpuMicrosPerRequest: Record<string, Record<string, number | undefined>>;
  };
  const asyncCpu = handshakeCpu(median, 'async');
  const threadingCpu = handshakeCpu(median, 'threading-2');
  const project = (how: (a: HandshakeCpu, t: HandshakeCpu) => number) =>
    asyncCpu === undefined || threadingCpu === undefined ? null : how(asyncCpu, threadingCpu);
  const ratio = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined ? null : Math.round((a / b) * 100) / 100;
  console.log(
    JSON.stringify({
      node: process.version,
      seconds,
      rounds,
      loadavg: loadavg().map((value) => Math.round(value * 10) / 10),
      connections,
      concurrency,
      clientThreads,
      handshakeClient: tlsload === undefined ? 'node' : 'c',
      ...result,
      ratios: {
        persistentAsyncVsRaw: ratio(result.persistent.async, result.persistent.raw),
        persistentAsyncVsRawTarget: 0.9,
        handshakesThreading2VsAsync: ratio(
          result.handshakes['threading-2'],
          result.handshakes.async,
        ),
        handshakesThreading2VsAsyncTarget: 1.6,
        handshakesAsyncVsRaw: ratio(result.handshakes.async, result.handshakes.raw),
        /** raw's server CPU per request / async's: 1 = sockserve costs nothing on top. */
        cpuPersistentRawVsAsync: ratio(
          result.serverCpuMicrosPerRequest.persistent?.raw,
          result.serverCpuMicrosPerRequest.persistent?.async,
        ),
        cpuHandshakeRawVsAsync: ratio(
          result.serverCpuMicrosPerRequest.handshakes?.raw,
          result.serverCpuMicrosPerRequest.handshakes?.async,
        ),
        /** async's server CPU per handshake / threading-2's: 1 = the hand-off to a worker is free. */
        cpuHandshakeAsyncVsThreading2: ratio(
          result.serverCpuMicrosPerRequest.handshakes?.async,
          result.serverCpuMicrosPerRequest.handshakes?.['threading-2'],
        ),
        /** async-sni's server CPU per handshake / async's: what the SNI callback path costs. */
        cpuHandshakeAsyncSniVsAsync: ratio(
          result.serverCpuMicrosPerRequest.handshakes?.['async-sni'],
          result.serverCpuMicrosPerRequest.handshakes?.async,
        ),
        /** Derived from the CPU figures (lib/tls-projection.ts): a core per server thread. */
        handshakesThreading2VsAsyncProjected: project(projectedOnCorePerThread),
        /** Derived: 2 cores for the server, the client elsewhere (≥ 1.6 needs threading ≤ 1.25× async's CPU). */
        handshakesThreading2VsAsyncProjectedTwoCores: project(projectedOnTwoCores),
        /** Derived: the best the measured ratio can be with the client on the same cores (unpinned runs). */
        handshakesThreading2VsAsyncCeilingHere:
          values['server-cpus'] === undefined && values['client-cpus'] === undefined
            ? project((a, t) =>
                ceilingOnSharedCores(
                  a,
                  t,
                  median('handshakes client cpu async') ?? Number.NaN,
                  availableParallelism(),
                ),
              )
            : null,
      },
    }),
  );
}

/** `kind`'s server CPU µs per handshake by thread kind (medians), when it was measured. */
function handshakeCpu(
  median: (key: string) => number | undefined,
  kind: Kind,
): HandshakeCpu | undefined {
  const main = median(`handshakes cpu main ${kind}`);
  const workers = median(`handshakes cpu workers ${kind}`);
  const helpers = median(`handshakes cpu helpers ${kind}`);
  if (main === undefined || workers === undefined || helpers === undefined) return undefined;
  return { main, workers, helpers };
}
