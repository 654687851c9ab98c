/**
 * Issue 19: what a forking child costs, measured on the child itself (no server, no pool):
 * it forks forking's child entry N times, as `ChildRunner` does, and for each child measures
 *
 * - spawn → `ready`: wall time and the child's CPU time (all its threads, from
 *   /proc/PID/task/* /schedstat, in ns) — Node's start, module loading, the warm-up, the handler;
 * - two requests on that child, 100 ms apart: its socket handed over (`subprocess.send` with
 *   the accepted socket) → the client's first reply byte (wall), and the child's CPU for the
 *   request. The first is what a per-request spare serves; the second is a pooled child's.
 *
 *   node bench/child-startup.ts [N] [--phases] [-- node flags for the child, e.g. --cpu-prof]
 *
 * `--phases` preloads `lib/startup-phases.mjs` into each child: its start-up CPU split into
 * Node's bootstrap, the runner's imports, the warm-up and the handler's load, and the modules
 * it loaded by package (its module hooks add a little CPU of their own).
 *
 * Prints the medians. The handler is the bench's `UpperEchoHandler` (a .ts file: the child
 * strips its types, which Node's compile cache also keeps). Linux only (/proc).
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { median } from './lib/measure.ts';

const ENTRY = new URL('../packages/forking/dist/child-entry.js', import.meta.url);
const HANDLER = new URL('./handlers.ts', import.meta.url).href;
const N = Number(process.argv[2] ?? 10);
const flags = process.argv.slice(3).filter((arg) => arg !== '--');
const PHASES = flags.includes('--phases');
const execArgv = flags.filter((arg) => arg !== '--phases');
if (PHASES) execArgv.push('--import', new URL('./lib/startup-phases.mjs', import.meta.url).href);
const phaseRows: Array<Record<string, number>> = [];
let modules: Record<string, number> = {};

/** ms the process `pid` spent on a CPU (every thread), from schedstat. */
function cpuMs(pid: number): number {
  let ns = 0;
  for (const task of readdirSync(`/proc/${pid}/task`))
    ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
  return ns / 1e6;
}

const server = createServer({ pauseOnConnect: true });
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const port = (server.address() as { port: number }).port;
const columns = ['ready wall', 'ready CPU', '1st request wall', '1st CPU', '2nd wall', '2nd CPU'];
const rows: number[][] = [];
for (let run = 0; run < N; run += 1) {
  const spawned = performance.now();
  const child = fork(ENTRY, [], {
    serialization: 'advanced',
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    execArgv,
  });
  const pid = child.pid as number;
  child.send({
    t: 'start',
    exitAfterRequest: false,
    init: {
      handler: { module: HANDLER, export: 'UpperEchoHandler' },
      server: {
        serverAddress: { host: '127.0.0.1', port, family: 'IPv4' },
        transportKind: 'stream',
      },
      closeTimeout: 1000,
      requestTimeout: null,
    },
  });
  let [first] = (await once(child, 'message')) as [{ t: string }];
  if (first.t === 'startup-phases') {
    const phases = first as unknown as { cpuMs: Record<string, number>; modules: typeof modules };
    phaseRows.push(phases.cpuMs);
    modules = phases.modules;
    [first] = (await once(child, 'message')) as [{ t: string }];
  }
  if (first.t !== 'ready') throw new Error(`child said ${JSON.stringify(first)}`);
  const row = [performance.now() - spawned, cpuMs(pid)];
  for (const id of [1, 2]) {
    await sleep(100); // an idle spare, as in the bench's paced client
    const accepted = once(server, 'connection');
    const client = connect(port, '127.0.0.1');
    client.setNoDelay(true);
    const [socket] = (await accepted) as [Socket];
    const cpuBefore = cpuMs(pid);
    const sent = performance.now();
    const answered = once(client, 'data');
    child.send(
      {
        t: 'stream',
        id,
        clientAddress: { host: '127.0.0.1', port: 1, family: 'IPv4' },
        moved: true,
      },
      socket,
    );
    client.end('hello\n');
    await answered;
    const wall = performance.now() - sent;
    client.resume();
    await once(client, 'close');
    await once(child, 'message'); // done
    row.push(wall, cpuMs(pid) - cpuBefore);
  }
  rows.push(row);
  child.disconnect();
  await once(child, 'exit');
}
server.close();
console.log(
  JSON.stringify({
    node: process.version,
    children: N,
    execArgv,
    medianMs: Object.fromEntries(
      columns.map((name, i) => [
        name,
        Math.round(median(rows.map((r) => r[i] as number)) * 100) / 100,
      ]),
    ),
    ...(PHASES
      ? {
          phasesMedianCpuMs: Object.fromEntries(
            Object.keys(phaseRows[0] ?? {}).map((name) => [
              name,
              Math.round(median(phaseRows.map((r) => r[name] as number)) * 10) / 10,
            ]),
          ),
          modules,
        }
      : {}),
    load: readFileSync('/proc/loadavg', 'utf8').trim(),
  }),
);
