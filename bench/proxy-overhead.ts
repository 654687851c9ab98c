/**
 * Issue 14: what the PROXY protocol costs a connection-per-request server. Two child
 * processes each run one TCP server (the same strategy, a one-line echo): one plain, one with
 * `proxyProtocol`. In each round the client loads BOTH at once — connect, send (a v2 header
 * and) one line, read the reply, close, `concurrency` at a time per server — so whatever the
 * rest of a shared machine does hits both alike. Prints one JSON line: for each, connections
 * per second (wall clock: noisy) and the server process's CPU time per connection (user +
 * system, read over IPC around each round: the figure to trust), the overheads of the medians,
 * and the median of the per-round ratios (`pairedCpuOverheadPercent`: each round's two servers
 * ran side by side).
 *   node bench/proxy-overhead.ts [--rounds 8] [--per-round 1000] [--concurrency 16]
 *                                [--strategy async|threading|forking] [--profile DIR]
 *                                [--parse-in server|runner|handler]
 * With `threading` the plain server moves each socket to a worker, the proxied one relays it
 * (Node moves only a socket that never read) — unless `--parse-in runner`
 * (`proxyProtocol.parseIn: 'runner'`: the worker reads the header from the moved socket); with
 * `forking` both hand the socket to a child, the proxied one with the bytes read past the
 * header (or, with `runner`, the child reads the header). Under forking the CPU per connection
 * includes the server's live children (their /proc/PID/task/TID/schedstat, read by this
 * client so the reading costs the servers nothing); `childCpu…` says how much of it that was.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { AsyncStrategy } from '@sockserve/core';
import { TCPServer } from '@sockserve/tcp';
import { UpperEchoHandler } from './handlers.ts';
import { median } from './lib/measure.ts';
import { exchange, payload, withHeader } from './lib/proxy-exchange.ts';

const { values } = parseArgs({
  options: {
    server: { type: 'string' }, // 'plain' | 'proxied': this process is that server
    rounds: { type: 'string', default: '8' },
    'per-round': { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '16' },
    strategy: { type: 'string', default: 'async' },
    // Writes each server's CPU profile (node --cpu-prof) to DIR/plain and DIR/proxied.
    profile: { type: 'string' },
    // 'runner': proxyProtocol with parseIn: 'runner' (the worker or child reads the header).
    // 'handler': the proxied server has no proxyProtocol; its handler reads the header where
    // it runs (a worker, a child) — what parsing in the runner would cost (proxy-in-handler.ts).
    'parse-in': { type: 'string', default: 'server' },
  },
});

if (values.server !== undefined) {
  const strategy = async () => {
    if (values.strategy === 'threading') {
      const { ThreadingStrategy } = await import('@sockserve/threading');
      return new ThreadingStrategy({ maxWorkers: 2 });
    }
    if (values.strategy === 'forking') {
      const { ForkingStrategy } = await import('@sockserve/forking');
      return new ForkingStrategy({ maxChildren: 2 });
    }
    return new AsyncStrategy();
  };
  const inHandler = values.server === 'proxied' && values['parse-in'] === 'handler';
  const handler = inHandler
    ? (await import('./proxy-in-handler.ts')).ProxyInHandlerEcho
    : UpperEchoHandler;
  const server = await TCPServer.create({ host: '127.0.0.1', port: 0 }, handler, {
    strategy: await strategy(),
    ...(values.server === 'proxied' && !inHandler
      ? {
          proxyProtocol: {
            trusted: ['127.0.0.1'],
            ...(values['parse-in'] === 'runner' ? { parseIn: 'runner' as const } : {}),
          },
        }
      : {}),
  });
  const loop = server.serveForever();
  // The client asks for this process's CPU time around each round.
  process.on('message', () => process.send?.(process.cpuUsage()));
  process.on('disconnect', () => process.exit(1)); // the client died: don't outlive it
  console.log(`listening ${server.serverAddress.port}`);
  await once(process, 'SIGTERM');
  await server.serverClose();
  await loop;
} else {
  /** CPU µs of the live children of process `pid` (forking's children), from /proc. */
  const childrenCpu = (pid: number): number => {
    let ns = 0;
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        // Fields after the command's closing parenthesis: state, ppid, …
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        if (ppid !== pid) continue;
        for (const task of readdirSync(`/proc/${entry}/task`))
          ns += Number(readFileSync(`/proc/${entry}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // Gone meanwhile.
      }
    }
    return ns / 1000;
  };
  /** One server process: its port and a reader of its CPU time (µs), its children's included. */
  const startServer = async (kind: 'plain' | 'proxied') => {
    const child = spawn(
      process.execPath,
      [
        ...(values.profile === undefined
          ? []
          : [
              '--cpu-prof',
              '--cpu-prof-interval',
              '100',
              '--cpu-prof-dir',
              `${values.profile}/${kind}`,
            ]),
        import.meta.filename,
        '--server',
        kind,
        '--strategy',
        values.strategy,
        '--parse-in',
        values['parse-in'],
      ],
      { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] },
    );
    process.on('exit', () => child.kill('SIGTERM'));
    const [line] = (await once(
      createInterface({ input: child.stdout as NodeJS.ReadableStream }),
      'line',
    )) as [string];
    const cpu = async (): Promise<{ total: number; children: number }> => {
      child.send('cpu');
      const [usage] = (await once(child, 'message')) as [NodeJS.CpuUsage];
      const children = childrenCpu(child.pid ?? 0);
      return { total: usage.user + usage.system + children, children };
    };
    const stop = async () => {
      child.kill('SIGTERM');
      child.disconnect();
      await once(child, 'exit');
    };
    return { port: Number(line.split(' ')[1]), cpu, stop };
  };
  const [plainServer, proxiedServer] = await Promise.all([
    startServer('plain'),
    startServer('proxied'),
  ]);
  type Server = typeof plainServer;
  /** `count` connections to `server`, `concurrency` at a time: per second, server CPU µs each. */
  const load = async (server: Server, data: Buffer, count: number, concurrency: number) => {
    let next = 0;
    const cpuBefore = await server.cpu();
    const start = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next++ < count) await exchange(server.port, data);
      }),
    );
    const perSecond = count / ((performance.now() - start) / 1000);
    const cpuAfter = await server.cpu();
    return {
      perSecond,
      cpuMicros: (cpuAfter.total - cpuBefore.total) / count,
      childCpuMicros: (cpuAfter.children - cpuBefore.children) / count,
    };
  };
  /** Both servers loaded at the same time. */
  const round = (count: number, concurrency: number) =>
    Promise.all([
      load(plainServer, payload, count, concurrency),
      load(proxiedServer, withHeader, count, concurrency),
    ]);

  const rounds = Number(values.rounds);
  const perRound = Number(values['per-round']);
  const concurrency = Number(values.concurrency);
  await round(500, concurrency); // warm-up
  type Round = { perSecond: number; cpuMicros: number; childCpuMicros: number };
  const plain: Round[] = [];
  const proxied: Round[] = [];
  for (let i = 0; i < rounds; i++) {
    const [a, b] = await round(perRound, concurrency);
    plain.push(a);
    proxied.push(b);
  }
  await Promise.all([plainServer.stop(), proxiedServer.stop()]);
  const rate = (xs: typeof plain) => median(xs.map((x) => x.perSecond));
  const cpu = (xs: typeof plain) => median(xs.map((x) => x.cpuMicros));
  const percent = (ratio: number) => Number(((ratio - 1) * 100).toFixed(1));
  const result = {
    node: process.version,
    load: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
    strategy: values.strategy,
    parseIn: values['parse-in'],
    rounds,
    perRound,
    concurrency,
    plainPerSecond: Math.round(rate(plain)),
    proxiedPerSecond: Math.round(rate(proxied)),
    throughputOverheadPercent: -percent(rate(proxied) / rate(plain)),
    plainCpuMicrosPerConnection: Number(cpu(plain).toFixed(1)),
    proxiedCpuMicrosPerConnection: Number(cpu(proxied).toFixed(1)),
    cpuOverheadPercent: percent(cpu(proxied) / cpu(plain)),
    pairedCpuOverheadPercent: percent(
      median(plain.map((x, i) => (proxied[i]?.cpuMicros ?? 0) / x.cpuMicros)),
    ),
    plainChildCpuMicros: Number(median(plain.map((x) => x.childCpuMicros)).toFixed(1)),
    proxiedChildCpuMicros: Number(median(proxied.map((x) => x.childCpuMicros)).toFixed(1)),
    plainRounds: plain.map((x) => [Math.round(x.perSecond), Number(x.cpuMicros.toFixed(1))]),
    proxiedRounds: proxied.map((x) => [Math.round(x.perSecond), Number(x.cpuMicros.toFixed(1))]),
  };
  console.log(JSON.stringify(result));
}
