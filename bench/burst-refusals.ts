/**
 * Issue 12, item 7: a burst of connects against a small `requestQueueSize`. The server (a child
 * process: `--server`) holds every request it takes; the client opens N connections as fast as
 * it can and records, for each, whether it was reset and how long after its connect() call.
 * Prints one JSON line. Run on a quiet machine:
 *   node bench/burst-refusals.ts [--connections 3000] [--queue 64]
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
      connections: n,
      queue: Number(values.queue),
      burstMs: Math.round(burstMs),
      reset: resetAfter.length,
      openAfter3s: hanging,
      resetMs: { p50: q(0.5), p99: q(0.99), max: q(1) },
      over100ms: resetAfter.filter((ms) => ms > 100).length,
    }),
  );
  for (const socket of sockets) socket.destroy();
  child.kill('SIGTERM');
  await once(child, 'exit');
}
