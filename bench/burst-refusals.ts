/**
 * Issue 12, item 7: a burst of connects against a small `requestQueueSize`. The server (a child
 * process: `--server`) holds every request it takes; the client opens N connections over 0.1 s
 * and records, for each, whether it was reset and how long after its connect() call.
 * Prints one JSON line. Run on a quiet machine:
 *   node bench/burst-refusals.ts [--connections 3000] [--queue 64] [--client python|node]
 * The default client is `peers/burst_client.py` (non-blocking sockets and epoll): the Node
 * client (`--client node`, all connects in one tick) spends 150–200 ms of a 3,000 burst on its
 * own sockets and events, which it then reports as the server's refusal latency — against a
 * Python server that resets in a tight loop it measures p50 ~210 ms, the lean client ~4 ms.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { BaseRequestHandler } from '@sockserve/core';
import { TCPServer } from '@sockserve/tcp';

const { values } = parseArgs({
  options: {
    server: { type: 'boolean', default: false },
    connections: { type: 'string', default: '3000' },
    client: { type: 'string', default: 'python' },
    queue: { type: 'string', default: '64' },
  },
});

/** Holds its connection until the client goes away. */
export class Hold extends BaseRequestHandler {
  static readonly module = import.meta.url;
  override async handle(): Promise<void> {
    const socket = this.request as NodeJS.ReadableStream & NodeJS.EventEmitter;
    socket.resume(); // reading is how a closed peer is noticed
    await once(socket, 'close');
  }
}

if (values.server) {
  const server = await TCPServer.create({ host: '127.0.0.1', port: 0 }, Hold, {
    requestQueueSize: Number(values.queue),
  });
  console.log(`listening ${(server.serverAddress as { port: number }).port}`);
  const loop = server.serveForever();
  await once(process, 'SIGTERM');
  await server.serverClose({ timeout: 0 });
  await loop;
} else {
  const child = spawn(
    process.execPath,
    [import.meta.filename, '--server', '--queue', values.queue],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  const port = Number(line.split(' ')[1]);
  const n = Number(values.connections);
  const head = { connections: n, queue: Number(values.queue), client: values.client };
  if (values.client === 'python') {
    const script = new URL('./peers/burst_client.py', import.meta.url).pathname;
    const python = spawn('python3', [script, String(port), String(n)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [result] = (await once(createInterface({ input: python.stdout }), 'line')) as [string];
    await once(python, 'exit');
    console.log(JSON.stringify({ ...head, ...JSON.parse(result) }));
  } else {
    await nodeClient(port, n, head);
  }
  child.kill('SIGTERM');
  await once(child, 'exit');
}

/** The first client: every connect in one tick from Node (measures the client as much as the server). */
async function nodeClient(port: number, n: number, head: object): Promise<void> {
  const resetAfter: number[] = [];
  const sockets = [];
  let hanging = 0;
  const started = performance.now();
  for (let i = 0; i < n; i += 1) {
    const t0 = performance.now();
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('error', () => resetAfter.push(performance.now() - t0));
    sockets.push(socket);
  }
  const burstMs = performance.now() - started;
  await new Promise((resolve) => setTimeout(resolve, 3000));
  for (const socket of sockets) if (!socket.destroyed) hanging += 1;
  resetAfter.sort((a, b) => a - b);
  const q = (p: number) => Math.round(resetAfter[Math.floor((resetAfter.length - 1) * p)] ?? 0);
  console.log(
    JSON.stringify({
      ...head,
      burstMs: Math.round(burstMs),
      reset: resetAfter.length,
      openAfter3s: hanging,
      resetMs: { p50: q(0.5), p99: q(0.99), max: q(1) },
      over100ms: resetAfter.filter((ms) => ms > 100).length,
    }),
  );
  for (const socket of sockets) socket.destroy();
}
