/**
 * Issue 14: what the PROXY protocol costs a connection-per-request server. One child process
 * runs two identical TCP servers (async strategy, a one-line echo): one plain, one with
 * `proxyProtocol`. The client opens connections against both in alternating rounds (so drift
 * in machine load hits both alike): connect, send (a v2 header and) one line, read the reply,
 * close — `concurrency` at a time. Prints one JSON line: for each, connections per second
 * (wall clock: noisy on a shared machine) and the server process's CPU time per connection
 * (user + system, read over IPC around each round: steadier under load), and the overheads.
 * Run on a quiet machine:
 *   node bench/proxy-overhead.ts [--rounds 6] [--per-round 2000] [--concurrency 32]
 *                                [--strategy async|threading|forking]
 * With `threading` the plain server moves each socket to a worker, the proxied one relays it
 * (Node moves only a socket that never read); with `forking` both hand the socket to a child,
 * the proxied one with the bytes read past the header. CPU is then the server process's only.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { AsyncStrategy } from '@sockserve/core';
import { encodeProxyHeader } from '@sockserve/proxy-protocol';
import { TCPServer } from '@sockserve/tcp';
import { UpperEchoHandler } from './handlers.ts';

const { values } = parseArgs({
  options: {
    server: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '6' },
    'per-round': { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '32' },
    strategy: { type: 'string', default: 'async' },
  },
});

if (values.server) {
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
  const open = async (options: object) =>
    TCPServer.create({ host: '127.0.0.1', port: 0 }, UpperEchoHandler, {
      strategy: await strategy(),
      ...options,
    });
  const plain = await open({});
  const proxied = await open({ proxyProtocol: { trusted: ['127.0.0.1'] } });
  const loops = [plain.serveForever(), proxied.serveForever()];
  // The client asks for this process's CPU time around each round.
  process.on('message', () => process.send?.(process.cpuUsage()));
  process.on('disconnect', () => process.exit(1)); // the client died: don't outlive it
  console.log(`listening ${plain.serverAddress.port} ${proxied.serverAddress.port}`);
  await once(process, 'SIGTERM');
  await Promise.all([plain.serverClose(), proxied.serverClose()]);
  await Promise.all(loops);
} else {
  const child = spawn(
    process.execPath,
    [import.meta.filename, '--server', '--strategy', values.strategy],
    {
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    },
  );
  process.on('exit', () => child.kill('SIGTERM'));
  const serverCpu = async (): Promise<number> => {
    child.send('cpu');
    const [usage] = (await once(child, 'message')) as [NodeJS.CpuUsage];
    return usage.user + usage.system;
  };
  const [line] = (await once(
    createInterface({ input: child.stdout as NodeJS.ReadableStream }),
    'line',
  )) as [string];
  const [, plainPort, proxiedPort] = line.split(' ').map(Number) as [number, number, number];
  const header = encodeProxyHeader({
    version: 2,
    family: 'IPv4',
    source: { family: 'IPv4', host: '203.0.113.7', port: 51234 },
    destination: { family: 'IPv4', host: '203.0.113.8', port: 443 },
  });
  const payload = Buffer.from('ping\n');
  const withHeader = Buffer.concat([header, payload]);

  /** One connection: connect, send, read the reply line, close. */
  const exchange = (port: number, data: Buffer) =>
    new Promise<void>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => socket.end(data));
      let got = 0;
      socket.on('data', (chunk: Buffer) => {
        got += chunk.length;
      });
      socket.once('close', () => (got === 5 ? resolve() : reject(new Error(`reply ${got} bytes`))));
      socket.once('error', reject);
    });

  /** `count` connections, `concurrency` at a time: connections per second, server CPU µs each. */
  const round = async (port: number, data: Buffer, count: number, concurrency: number) => {
    let next = 0;
    const cpuBefore = await serverCpu();
    const start = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next++ < count) await exchange(port, data);
      }),
    );
    const perSecond = count / ((performance.now() - start) / 1000);
    return { perSecond, cpuMicros: ((await serverCpu()) - cpuBefore) / count };
  };

  const rounds = Number(values.rounds);
  const perRound = Number(values['per-round']);
  const concurrency = Number(values.concurrency);
  await round(plainPort, payload, 500, concurrency); // warm-up, both
  await round(proxiedPort, withHeader, 500, concurrency);
  const plain: Array<{ perSecond: number; cpuMicros: number }> = [];
  const proxied: Array<{ perSecond: number; cpuMicros: number }> = [];
  for (let i = 0; i < rounds; i++) {
    // Alternate which goes first, so neither always runs on a warmer machine.
    if (i % 2 === 0) {
      plain.push(await round(plainPort, payload, perRound, concurrency));
      proxied.push(await round(proxiedPort, withHeader, perRound, concurrency));
    } else {
      proxied.push(await round(proxiedPort, withHeader, perRound, concurrency));
      plain.push(await round(plainPort, payload, perRound, concurrency));
    }
  }
  child.kill('SIGTERM');
  child.disconnect();
  await once(child, 'exit');
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const rate = (xs: typeof plain) => median(xs.map((x) => x.perSecond));
  const cpu = (xs: typeof plain) => median(xs.map((x) => x.cpuMicros));
  const result = {
    node: process.version,
    strategy: values.strategy,
    rounds,
    perRound,
    concurrency,
    plainPerSecond: Math.round(rate(plain)),
    proxiedPerSecond: Math.round(rate(proxied)),
    throughputOverheadPercent: Number(((1 - rate(proxied) / rate(plain)) * 100).toFixed(1)),
    plainCpuMicrosPerConnection: Number(cpu(plain).toFixed(1)),
    proxiedCpuMicrosPerConnection: Number(cpu(proxied).toFixed(1)),
    cpuOverheadPercent: Number(((cpu(proxied) / cpu(plain) - 1) * 100).toFixed(1)),
    plainRounds: plain.map((x) => [Math.round(x.perSecond), Number(x.cpuMicros.toFixed(1))]),
    proxiedRounds: proxied.map((x) => [Math.round(x.perSecond), Number(x.cpuMicros.toFixed(1))]),
  };
  console.log(JSON.stringify(result));
}
