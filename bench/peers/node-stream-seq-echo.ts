/**
 * Raw Node peer, streams, one connection at a time: `net.createServer` with `pauseOnConnect`,
 * accepted connections queued, each resumed only after the one before ended — the pattern of
 * Python's `TCPServer` and of sockserve's sequential strategy, without a framework. Not in the
 * matrix: the floor any Node sequential server pays per connection, against which
 * `tcp-per-request-sequential` / `unix-per-request-sequential` can be read (issue 11).
 *
 *   node bench/peers/node-stream-seq-echo.ts --transport tcp|unix (--host H --port P | --path P)
 *
 * Same flags and `listening on ADDR` line as `node-stream-echo.ts`. Exits 0 on SIGINT / SIGTERM.
 */
import { rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    transport: { type: 'string', default: 'tcp' },
    strategy: { type: 'string' },
    workers: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    path: { type: 'string' },
  },
});

const queue: Socket[] = [];
let busy = false;

/** Serves the oldest queued connection: every complete line upper-cased, until its end. */
function serveNext(): void {
  const socket = queue.shift();
  busy = socket !== undefined;
  if (socket === undefined) return;
  let pending = '';
  let done = false;
  const end = () => {
    if (done) return;
    done = true;
    socket.end();
    serveNext();
  };
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => {
    pending += chunk;
    const last = pending.lastIndexOf('\n');
    if (last < 0) return;
    socket.write(pending.slice(0, last + 1).toUpperCase(), 'latin1');
    pending = pending.slice(last + 1);
  });
  socket.on('end', end);
  socket.on('close', end);
  socket.resume();
}

const sockets = new Set<Socket>();
const server = createServer({ pauseOnConnect: true, allowHalfOpen: true }, (socket) => {
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
  socket.on('error', () => socket.destroy());
  queue.push(socket);
  if (!busy) serveNext();
});

const unix = values.transport === 'unix';
if (unix && values.path === undefined) {
  console.error('--path is required for --transport unix');
  process.exit(2);
}
server.listen(
  unix ? { path: values.path } : { host: values.host, port: Number(values.port) },
  () => {
    const address = server.address();
    const shown =
      typeof address === 'string' || address === null
        ? values.path
        : `${address.address}:${address.port}`;
    console.log(`listening on ${shown}`);
  },
);

function stop(): void {
  server.close(() => {
    if (unix && values.path !== undefined) rmSync(values.path, { force: true });
    process.exit(0);
  });
  for (const socket of sockets) socket.destroy();
}
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
