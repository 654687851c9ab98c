/**
 * Raw Node peer, streams: `net.createServer` with its own line splitting, no framework. The
 * ceiling any Node framework can reach for the same work on TCP or a Unix path.
 *
 *   node bench/peers/node-stream-echo.ts --transport tcp|unix (--host H --port P | --path P)
 *     [--encoding latin1|utf8] [--one-at-a-time]
 *
 * Same flags and `listening on ADDR` line as `bench/echo-server.ts` (`--strategy` is
 * accepted and ignored: raw Node is the event loop). `--encoding utf8` writes the reply as
 * UTF-8, as sockserve's handler does (`persistent-cost.ts --raw-utf8`); latin1 by default.
 * `--one-at-a-time` serves one connection at a time (`pauseOnConnect`, accepted connections
 * queued, the next resumed when one ends) — the pattern of Python's `TCPServer` and of
 * sockserve's sequential strategy, without a framework. Not in the matrix: the floor any Node
 * sequential server pays per connection, to read the `*-per-request-sequential` rows against.
 * Exits 0 on SIGINT / SIGTERM; exit 2 on a bad flag.
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
    encoding: { type: 'string', default: 'latin1' },
    'one-at-a-time': { type: 'boolean', default: false },
  },
});

if (values.encoding !== 'latin1' && values.encoding !== 'utf8') {
  console.error(`--encoding must be latin1 or utf8; got ${JSON.stringify(values.encoding)}`);
  process.exit(2);
}
const encoding: 'latin1' | 'utf8' = values.encoding;

/** Upper-cases every complete line; a partial line waits for the rest. Then `ended`. */
function serve(socket: Socket, ended?: () => void): void {
  let pending = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => {
    pending += chunk;
    const end = pending.lastIndexOf('\n');
    if (end < 0) return;
    socket.write(pending.slice(0, end + 1).toUpperCase(), encoding);
    pending = pending.slice(end + 1);
  });
  if (ended === undefined) {
    socket.on('end', () => socket.end());
    return;
  }
  let done = false;
  const end = (): void => {
    if (done) return;
    done = true;
    socket.end();
    ended();
  };
  socket.on('end', end);
  socket.on('close', end);
  socket.resume();
}

/** `--one-at-a-time`: accepted connections wait here, paused, for the one before to end. */
const queue: Socket[] = [];
let busy = false;
function serveNext(): void {
  let socket = queue.shift();
  // One that was reset while it waited has closed already: its 'close' won't come again.
  while (socket?.destroyed === true) socket = queue.shift();
  busy = socket !== undefined;
  if (socket !== undefined) serve(socket, serveNext);
}

const oneAtATime = values['one-at-a-time'];
const server = oneAtATime
  ? createServer({ pauseOnConnect: true, allowHalfOpen: true }, (socket) => {
      queue.push(socket);
      if (!busy) serveNext();
    })
  : createServer((socket) => serve(socket));
const sockets = new Set<Socket>();
server.on('connection', (socket) => {
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
  socket.on('error', () => socket.destroy());
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
