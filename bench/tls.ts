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
 * those CPU figures (`handshakesThreading2VsAsyncProjected`). On a loaded machine req/s
 * follows the scheduler's share: a server with 3 busy threads gets about 3 shares.
 *   node bench/tls.ts [--duration 3] [--rounds 3] [--connections 32] [--concurrency 16] [--client-threads 1]
 *     [--only raw,async,async-sni,threading-2]
 *     [--phases persistent,handshakes] [--client c|node] [--cpu-prof DIR]   (servers under `node --cpu-prof`)
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createServer as createTLSServer } from 'node:tls';
import { parseArgs } from 'node:util';
import { AsyncStrategy } from '@sockserve/core';
import { ThreadingMixIn } from '@sockserve/threading';
import { TLSServer } from '@sockserve/tls';
import { UpperEchoHandler } from './handlers.ts';
import { clientCpuMs, type ThreadCpu, threadCpuMs } from './lib/thread-cpu.ts';
import { handshakesFrom, persistent, type Rate } from './lib/tls-clients.ts';
import { buildTlsload, runTlsload } from './lib/tls-loadgen.ts';

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
  },
});
/** `--cpu-prof DIR`: servers run under `node --cpu-prof` (profiles written to DIR at exit). */
const profileArgs =
  values['cpu-prof'] === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', values['cpu-prof']];
const phases = new Set(values.phases.split(','));

/**
 * `async-sni`: async with an `sni` table naming a host the clients never ask for — the SNI
 * callback is installed (every handshake takes Node's asynchronous certificate callback) but
 * picks the default certificate: the cost of that path, next to `async` in the same run.
 */
type Kind = 'raw' | 'async' | 'async-sni' | 'threading-2';

/** Serves the upper-case echo over TLS as `kind`; prints `listening PORT`; stops on SIGTERM. */
async function runServer(kind: Kind, dir: string): Promise<void> {
  const key = readFileSync(join(dir, 'key.pem'), 'utf8');
  const cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
  if (kind === 'raw') {
    const server = createTLSServer({ key, cert }, (socket) => {
      let pending = '';
      socket.setEncoding('utf8');
      socket.on('data', (text: string) => {
        pending += text;
        let end = pending.indexOf('\n');
        while (end >= 0) {
          socket.write(pending.slice(0, end + 1).toUpperCase());
          pending = pending.slice(end + 1);
          end = pending.indexOf('\n');
        }
      });
      socket.on('end', () => socket.end());
      socket.on('error', () => {});
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    console.log(`listening ${(server.address() as { port: number }).port}`);
    await once(process, 'SIGTERM');
    server.close();
    process.exit(0);
  }
  const address = { host: '127.0.0.1', port: 0 };
  const server =
    kind === 'async' || kind === 'async-sni'
      ? await TLSServer.create(address, UpperEchoHandler, {
          key,
          cert,
          ...(kind === 'async-sni' ? { sni: { 'unused.test': { key, cert } } } : {}),
          strategy: new AsyncStrategy(),
        })
      : await ThreadingMixIn(TLSServer).create(address, UpperEchoHandler, {
          key,
          cert,
          minWorkers: 2,
          maxWorkers: 2,
        });
  console.log(`listening ${server.serverAddress.port}`);
  const loop = server.serveForever();
  await once(process, 'SIGTERM');
  await server.serverClose({ timeout: 0 });
  await loop;
  process.exit(0);
}

/** Starts a server child; resolves its port and a stop function. */
async function startServer(
  kind: Kind,
  dir: string,
): Promise<{ port: number; cpu: () => ThreadCpu; stop: () => Promise<void> }> {
  const args = [...profileArgs, import.meta.filename, '--server', kind, '--dir', dir];
  const child = spawn(process.execPath, args, {
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
    const result = await runTlsload(tlsload, port, concurrency, seconds);
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
    for (let round = 1; round <= rounds; round += 1) {
      for (const kind of kinds) {
        const server = servers.get(kind) as Awaited<ReturnType<typeof startServer>>;
        // The server's CPU per request: robust where throughput is not (a loaded machine).
        const none = { rate: Number.NaN, all: 1 };
        let cpu = server.cpu();
        let client = clientCpuMs();
        const steady = phases.has('persistent')
          ? await persistent(server.port, connections, seconds)
          : none;
        const persistentCpu = (server.cpu().total - cpu.total) / steady.all;
        const persistentClient = (clientCpuMs() - client) / steady.all;
        const rps = steady.rate;
        cpu = server.cpu();
        client = clientCpuMs();
        const fresh = phases.has('handshakes') ? await handshakeLoad(server.port) : none;
        const after = server.cpu();
        const per = (key: keyof ThreadCpu) => ((after[key] - cpu[key]) / fresh.all) * 1000;
        const handshakeCpu = per('total') / 1000;
        const handshakeClient =
          tlsload === undefined
            ? (clientCpuMs() - client) / fresh.all
            : (cClientCpu ?? Number.NaN) / 1000;
        const hps = fresh.rate;
        note(`persistent ${kind}`, rps);
        note(`handshakes ${kind}`, hps);
        note(`persistent cpu ${kind}`, persistentCpu * 1000);
        note(`handshakes cpu ${kind}`, handshakeCpu * 1000);
        note(`handshakes cpu main ${kind}`, per('main'));
        note(`handshakes cpu workers ${kind}`, per('workers'));
        note(`handshakes cpu helpers ${kind}`, per('helpers'));
        note(`persistent client cpu ${kind}`, persistentClient * 1000);
        note(`handshakes client cpu ${kind}`, handshakeClient * 1000);
        console.error(
          `round ${round} ${kind}: persistent ${Math.round(rps)} req/s (${Math.round(persistentCpu * 1000)} µs server CPU, ${Math.round(persistentClient * 1000)} µs client CPU each), handshakes ${Math.round(hps)}/s (${Math.round(handshakeCpu * 1000)} µs server CPU each: main ${Math.round(per('main'))}, workers ${Math.round(per('workers'))}, helpers ${Math.round(per('helpers'))}; ${Math.round(handshakeClient * 1000)} µs client CPU) load ${loadavg()[0]?.toFixed(1)}`,
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
        handshakesThreading2VsAsyncProjected: projectedThreadingRatio(median),
      },
    }),
  );
}

/**
 * threading-2's handshake capacity ÷ async's, from the CPU each thread spends per handshake, as
 * on a machine with a core for every server thread and a client that keeps up (this one has
 * 2 cores for the client, the server and everyone else): async is bound by its one thread
 * (main + helpers); threading-2 by the busier of its main thread and its 2 workers (their
 * CPU ÷ 2), each with its share of the helpers. A derived figure, not a measurement.
 */
function projectedThreadingRatio(median: (key: string) => number | undefined): number | null {
  const async = [median('handshakes cpu main async'), median('handshakes cpu helpers async')];
  const threading = [
    median('handshakes cpu main threading-2'),
    median('handshakes cpu workers threading-2'),
    median('handshakes cpu helpers threading-2'),
  ];
  if ([...async, ...threading].some((value) => value === undefined)) return null;
  const [main, helpers] = async as [number, number];
  const [tMain, tWorkers, tHelpers] = threading as [number, number, number];
  const asyncPerHandshake = main + helpers;
  const threadingPerHandshake = Math.max(tMain + tHelpers / 3, (tWorkers + (tHelpers * 2) / 3) / 2);
  return Math.round((asyncPerHandshake / threadingPerHandshake) * 100) / 100;
}
