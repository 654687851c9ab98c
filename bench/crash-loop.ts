/**
 * Issue 13, item 4: a crash loop. A server (a child process: `--server`) runs
 * `ExitOnRequestHandler` under threading (2 workers) or forking (2 children). A good client
 * (a process, from a loopback address of its own, `--good` connections at once, one request
 * each) runs alone; then beside a second good client (another process and address, `--bad`
 * connections at once): the same competition for this machine's cores without a crash; then beside a
 * crashing client (the same, each request `exit`) hammering the server. Each phase measures the good client's answered requests/s and failures, and
 * the server's runner crashes (= restarts)/s and CPU (its own and its reaped children's, from
 * /proc/self/stat). `--backoff 0` turns the crash-loop back-off off (what main did);
 * `--backoff 1000` is the default. Prints one JSON line per run and a table. Run on its own:
 *   node bench/crash-loop.ts [--strategies threading,forking] [--backoffs 0,1000]
 *                            [--duration 5] [--good 4] [--bad 4]
 */
import { fork } from 'node:child_process';
import diagnostics from 'node:diagnostics_channel';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { parseArgs } from 'node:util';
import { ForkingMixIn } from '@sockserve/forking';
import { TCPServer } from '@sockserve/tcp';
import { ThreadingMixIn } from '@sockserve/threading';
import { ExitOnRequestHandler } from './crash-handler.ts';

const { values } = parseArgs({
  options: {
    server: { type: 'boolean', default: false },
    client: { type: 'string' },
    from: { type: 'string', default: '127.0.0.1' },
    connections: { type: 'string', default: '4' },
    strategy: { type: 'string', default: 'threading' },
    backoff: { type: 'string', default: '1000' },
    strategies: { type: 'string', default: 'threading,forking' },
    backoffs: { type: 'string', default: '0,1000' },
    duration: { type: 'string', default: '5' },
    good: { type: 'string', default: '4' },
    bad: { type: 'string', default: '4' },
    line: { type: 'string', default: 'exit' },
  },
});

/** What the server reports at the start and end of a phase. */
interface Snapshot {
  readonly at: number;
  /** CPU seconds: this process (worker threads included) and its reaped children. */
  readonly cpu: number;
  readonly crashes: number;
  readonly clientBackoffs: number;
  readonly poolBackoffs: number;
  readonly refused: number;
}

/** CPU seconds of this process and its reaped children (/proc/self/stat utime..cstime). */
function cpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): utime..cstime are fields 14..17.
  const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
  return ticks / 100;
}

async function runServer(): Promise<void> {
  const strategy = values.strategy;
  const crashBackoff = Number(values.backoff);
  let crashes = 0;
  const counts = { clientBackoffs: 0, poolBackoffs: 0 };
  diagnostics.subscribe('sockserve:client.backoff', () => {
    counts.clientBackoffs += 1;
  });
  diagnostics.subscribe('sockserve:runner.backoff', () => {
    counts.poolBackoffs += 1;
  });
  const onExit = () => {
    crashes += 1;
  };
  const address = { host: '127.0.0.1', port: 0 };
  const server =
    strategy === 'forking'
      ? await ForkingMixIn(TCPServer).create(address, ExitOnRequestHandler, {
          maxChildren: 2,
          minSpareChildren: 2,
          crashBackoff,
          onChildExit: onExit,
        })
      : await ThreadingMixIn(TCPServer).create(address, ExitOnRequestHandler, {
          maxWorkers: 2,
          minWorkers: 2,
          crashBackoff,
          onWorkerExit: onExit,
        });
  server.handleError = () => {};
  const loop = server.serveForever();
  const snapshot = (): Snapshot => ({
    at: performance.now(),
    cpu: cpuSeconds(),
    crashes,
    ...counts,
    refused: server.crashStats.refused,
  });
  process.on('message', (message: string) => {
    if (message === 'snapshot') process.send?.(snapshot());
    else if (message === 'stop') {
      void server
        .shutdown()
        .then(() => server.serverClose({ timeout: 0 }))
        .then(() => loop)
        .finally(() => process.exit(0));
    }
  });
  process.send?.({ port: (server.serverAddress as { port: number }).port });
}

/**
 * Loops of one request per connection from `localAddress` until `stop.done`. The client
 * writes its line without a FIN and closes after the server's: the server closes first, so
 * the TIME_WAIT ports pile up on its side, not in this address's ephemeral range (where they
 * would slow every later bind() from it).
 */
async function client(
  port: number,
  localAddress: string,
  line: string,
  stop: { done: boolean },
  counts: { ok: number; failed: number },
): Promise<void> {
  while (!stop.done) {
    const answer = await new Promise<string | undefined>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port, localAddress });
      let data = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        data += chunk;
      });
      socket.on('error', () => resolve(undefined));
      socket.on('close', () => resolve(data));
      socket.on('connect', () => socket.write(line));
    });
    if (answer === 'ok\n') counts.ok += 1;
    else counts.failed += 1;
  }
}

/** The good client alone; with a second good client (the same load, no crash); with the crasher. */
const PHASES = ['alone', 'with a second good client', 'with crasher'] as const;
type PhaseName = (typeof PHASES)[number];

interface Phase {
  readonly phase: PhaseName;
  readonly goodPerSecond: number;
  readonly goodFailed: number;
  /** The other client's requests/s (answered or not: a refused one counts). */
  readonly otherPerSecond: number;
  readonly restartsPerSecond: number;
  readonly serverCpuCores: number;
  readonly clientBackoffs: number;
  readonly poolBackoffs: number;
  readonly refused: number;
}

/** A client process: `connections` loops from `from`, each request `line`; counts from `mark` to `stop`. */
function startClient(port: number, from: string, line: string, connections: string) {
  const child = fork(
    import.meta.filename,
    ['--client', String(port), '--from', from, '--line', line, '--connections', connections],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  return {
    child,
    started: once(child, 'message'),
    // Listened for from the start: a client may exit before the parent would look.
    exited: once(child, 'exit'),
    stop: async (): Promise<{ ok: number; failed: number }> => {
      child.send('stop');
      const [counts] = (await once(child, 'message')) as [{ ok: number; failed: number }];
      return counts;
    },
  };
}

/**
 * `addresses`: where the good and the other client connect from (loopback, one pair per
 * configuration, so one's leftovers don't slow the next).
 */
async function measure(
  strategy: string,
  backoff: string,
  addresses: { good: string; other: string },
): Promise<Phase[]> {
  const child = fork(
    import.meta.filename,
    ['--server', '--strategy', strategy, '--backoff', backoff],
    {
      execArgv: ['--no-warnings'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  const [{ port }] = (await once(child, 'message')) as [{ port: number }];
  const ask = async (): Promise<Snapshot> => {
    child.send('snapshot');
    const [snap] = (await once(child, 'message')) as [Snapshot];
    return snap;
  };
  const seconds = Number(values.duration);
  const phases: Phase[] = [];
  for (const phase of PHASES) {
    // Each client is a process of its own, as it would be another host.
    const good = startClient(port, addresses.good, 'hello', values.good);
    const other =
      phase === 'alone'
        ? undefined
        : startClient(
            port,
            addresses.other,
            phase === 'with crasher' ? 'exit' : 'hello',
            values.bad,
          );
    await Promise.all([good.started, other?.started]);
    // One second to settle (workers started, back-off reached), then the measured window.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    good.child.send('mark');
    other?.child.send('mark');
    const start = await ask();
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    const end = await ask();
    const [goodCounts, otherCounts] = await Promise.all([
      good.stop(),
      other?.stop() ?? { ok: 0, failed: 0 },
    ]);
    const elapsed = (end.at - start.at) / 1000;
    phases.push({
      phase,
      goodPerSecond: Math.round(goodCounts.ok / elapsed),
      goodFailed: goodCounts.failed,
      otherPerSecond: Math.round((otherCounts.ok + otherCounts.failed) / elapsed),
      restartsPerSecond: Math.round(((end.crashes - start.crashes) / elapsed) * 10) / 10,
      serverCpuCores: Math.round(((end.cpu - start.cpu) / elapsed) * 100) / 100,
      clientBackoffs: end.clientBackoffs - start.clientBackoffs,
      poolBackoffs: end.poolBackoffs - start.poolBackoffs,
      refused: end.refused - start.refused,
    });
    await Promise.all([good.exited, other?.exited]);
  }
  child.send('stop');
  await once(child, 'exit');
  return phases;
}

if (values.server) {
  await runServer();
} else if (values.client !== undefined) {
  const stop = { done: false };
  const counts = { ok: 0, failed: 0 };
  const line = `${values.line}\n`;
  const port = Number(values.client);
  const loops = Array.from({ length: Number(values.connections) }, () =>
    client(port, values.from, line, stop, counts),
  );
  process.send?.('started');
  // Counted from the parent's start of measurement (`mark`) to `stop`.
  process.on('message', async (message: string) => {
    if (message === 'mark') {
      counts.ok = 0;
      counts.failed = 0;
      return;
    }
    stop.done = true;
    const measured = { ...counts };
    process.send?.(measured);
    await Promise.all(loops);
    process.disconnect();
  });
} else {
  const rows: string[] = [];
  for (const strategy of values.strategies.split(',')) {
    for (const backoff of values.backoffs.split(',')) {
      const n = rows.length / PHASES.length;
      const addresses = { good: `127.0.0.${2 + 2 * n}`, other: `127.0.0.${3 + 2 * n}` };
      const phases = await measure(strategy, backoff, addresses);
      console.log(JSON.stringify({ strategy, crashBackoff: Number(backoff), addresses, phases }));
      for (const p of phases) {
        rows.push(
          `| ${strategy} | ${backoff} | ${p.phase} | ${p.goodPerSecond} | ${p.goodFailed} | ${p.otherPerSecond} | ${p.restartsPerSecond} | ${p.serverCpuCores} | ${p.refused} | ${p.clientBackoffs} |`,
        );
      }
    }
  }
  console.log(
    '\n| strategy | crashBackoff | phase | good req/s | good failed | other client req/s | restarts/s | server CPU (cores) | refused | client back-offs |\n|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const row of rows) console.log(row);
}
