/**
 * Issue 15, several processes: the `sockserve` command with `--workers 2` (one shared
 * listening socket; and `--reuse-port`, a socket per worker) against one process, and against
 * node:cluster's round-robin (the primary accepts and hands connections to 2 workers), on the
 * same run: a persistent load (each connection sends line after line) and a
 * connection-per-request load, driven by the bench's load generator (loadgen/sockload.c).
 * Every server is the upper-case echo of handlers.ts under the async strategy. Runs on its
 * own, one configuration at a time; prints a table on stderr and one JSON line on stdout:
 *   node bench/workers.ts [--duration 5] [--conns 50]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import cluster from 'node:cluster';
import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { AsyncStrategy } from '@sockserve/core';
import { TCPServer } from '@sockserve/tcp';
import { UpperEchoHandler } from './handlers.ts';
import { buildSockload, type LoadResult, runLoad } from './lib/loadgen.ts';
import type { RunningServer } from './lib/processes.ts';

const CLI = fileURLToPath(new URL('../packages/sockserve/dist/cli/main.js', import.meta.url));
const HANDLERS = fileURLToPath(new URL('./handlers.ts', import.meta.url));

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    conns: { type: 'string', default: '50' },
    'cluster-server': { type: 'boolean', default: false },
  },
});

if (values['cluster-server']) {
  // node:cluster round-robin: the primary accepts, then passes each connection to a worker.
  cluster.schedulingPolicy = cluster.SCHED_RR;
  if (cluster.isPrimary) {
    const workers = [cluster.fork(), cluster.fork()];
    const ports = await Promise.all(
      workers.map(async (worker) => {
        const [address] = (await once(worker, 'listening')) as [{ port: number }];
        return address.port;
      }),
    );
    console.log(`listening on 127.0.0.1:${ports[0]}`);
    await once(process, 'SIGTERM');
    for (const worker of workers) worker.kill('SIGTERM');
    await Promise.all(workers.map((worker) => once(worker, 'exit')));
  } else {
    const server = await TCPServer.create({ host: '127.0.0.1', port: 0 }, UpperEchoHandler, {
      strategy: new AsyncStrategy(),
    });
    const loop = server.serveForever();
    process.once('SIGTERM', () => void server.serverClose({ timeout: 1000 }));
    await loop;
    process.exit(0);
  }
} else {
  await main();
}

interface Config {
  readonly name: string;
  readonly command: readonly string[];
}

async function main(): Promise<void> {
  const sockserve = (...flags: string[]) => [
    process.execPath,
    CLI,
    'serve',
    '--tcp',
    '127.0.0.1:0',
    '--async',
    '--max-per-client',
    '0',
    '--quiet',
    ...flags,
    `${HANDLERS}#UpperEchoHandler`,
  ];
  const configs: Config[] = [
    { name: '1 process', command: sockserve() },
    { name: '--workers 2 (shared socket)', command: sockserve('--workers', '2') },
    { name: '--workers 2 --reuse-port', command: sockserve('--workers', '2', '--reuse-port') },
    {
      name: 'node:cluster RR, 2 workers',
      command: [process.execPath, import.meta.filename, '--cluster-server'],
    },
  ];
  const loads = [
    { name: 'persistent', perRequest: false },
    { name: 'connection per request', perRequest: true },
  ];
  const sockload = buildSockload();
  const duration = Number(values.duration);
  const conns = Number(values.conns);
  const results: Array<{ config: string; load: string } & LoadResult> = [];
  process.stderr.write(
    `workers bench: ${availableParallelism()} cores, Node ${process.versions.node}, ${conns} connections, ${duration} s per load (1 s warm-up)\n`,
  );
  for (const config of configs) {
    const server = await start(config.command);
    try {
      for (const load of loads) {
        const target = { transport: 'tcp', address: server.address } as RunningServer;
        const result = await runLoad(sockload, target, {
          conns,
          duration,
          warmup: 1,
          perRequest: load.perRequest,
        });
        results.push({ config: config.name, load: load.name, ...result });
        process.stderr.write(
          `${config.name.padEnd(30)} ${load.name.padEnd(24)} ${String(Math.round(result.rps)).padStart(7)} req/s  p50 ${result.p50_us} µs  p99 ${result.p99_us} µs  errors ${result.errors}\n`,
        );
      }
    } finally {
      await server.stop();
    }
  }
  console.log(JSON.stringify({ date: new Date().toISOString(), conns, duration, results }));
}

/** Starts a server command and resolves once it printed `listening on ADDRESS`. */
async function start(
  command: readonly string[],
): Promise<{ address: string; stop(): Promise<void> }> {
  const [file, ...args] = command as [string, ...string[]];
  const child: ChildProcess = spawn(file, args, {
    cwd: fileURLToPath(new URL('.', import.meta.url)),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  let out = '';
  const address = await new Promise<string>((resolve, reject) => {
    child.stdout?.setEncoding('utf8').on('data', (text: string) => {
      out += text;
      const match = /^listening on (\S+)$/m.exec(out);
      if (match !== null) resolve(match[1] as string);
    });
    void exited.then(() =>
      reject(new Error(`${command.join(' ')} ended before listening: ${out}`)),
    );
  });
  return {
    address,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
