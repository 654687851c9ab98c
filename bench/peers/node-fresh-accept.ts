/**
 * A Node peer of `bench/forking-accept-floor.ts` (issue 19): the accept of a FRESH Node child,
 * no sockserve code — the shape of forking's per-request `acceptIn: 'children'`, to tell what a
 * fresh child's first accept costs from what sockserve adds. This process keeps the listening
 * socket without accepting (its handle is echoed through a keeper child, as `listen-handle.ts`
 * does) and gives it to one ready child at a time (the turn); that child listens, accepts ONE
 * connection, stops listening, answers and exits, and the turn passes to the next child.
 *
 *   node bench/peers/node-fresh-accept.ts [--warm] [--prestart N] [--port 0]
 *
 * - default: one spare ahead, the next started as a child takes its connection (as sockserve's
 *   pool does), no warm-up: the child's first accept ever runs cold code.
 * - `--warm`: each child first runs one loopback exchange through the same accept path (a
 *   `pauseOnConnect` server, as forking's `warm-up.ts`), before it says it is ready.
 * - `--prestart N`: N children started (and warmed, with `--warm`) before `listening on` is
 *   printed, none while serving: no child's start-up competes with an accept (N must cover
 *   the bench's warm-up and requests).
 *
 * A connection's answer: `ACCEPTED_NS PID\n` (CLOCK_MONOTONIC at the child's `'connection'`),
 * as `node-accept-floor.ts`. Prints `listening on PORT`; exits on SIGTERM, children with it.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { parseArgs } from 'node:util';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    warm: { type: 'boolean', default: false },
    prestart: { type: 'string', default: '0' },
    port: { type: 'string', default: '0' },
  },
});

/** One exchange on a loopback server of its own, through the accept path a turn uses. */
async function warmUp(): Promise<void> {
  const server = createServer({ pauseOnConnect: true, allowHalfOpen: true });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'connection');
  const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
  const [socket] = (await accepted) as [Socket];
  socket.on('data', (chunk: Buffer) => socket.end(chunk)).resume();
  client.end('warm-up\n');
  for await (const _ of client);
  server.close();
  await once(server, 'close');
}

/** A child: ready once (warmed); at its turn, one connection from the handle, then exit. */
async function child(): Promise<void> {
  process.on('disconnect', () => process.exit(0));
  process.on('message', (_turn: string, handle: unknown) => {
    const server = createServer({ pauseOnConnect: true, allowHalfOpen: true });
    server.on('connection', (socket: Socket) => {
      const accepted = process.hrtime.bigint();
      server.close();
      process.send?.('accepted');
      socket.setNoDelay(true);
      let text = '';
      socket.setEncoding('utf8').on('data', (chunk: string) => {
        text += chunk;
        if (text.includes('\n')) socket.end(`${accepted} ${process.pid}\n`);
      });
      socket.on('error', () => {});
      socket.on('close', () => process.exit(0));
      socket.resume();
    });
    server.listen(handle as Parameters<Server['listen']>[0]);
  });
  if (positionals[1] === 'warm') await warmUp();
  process.send?.('ready');
}

/** The keeper: sends each handle it gets straight back (this process's non-accepting copy). */
function keeper(): void {
  process.on('message', (_m: string, handle: unknown) => process.send?.('echo', handle as never));
  process.on('disconnect', () => process.exit(0));
}

async function parent(): Promise<void> {
  const server = createServer();
  server.listen(Number(values.port), '127.0.0.1', 1024);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const children = new Set<ChildProcess>();
  const start = (role: string[]) => {
    const started = fork(import.meta.filename, role, { stdio: 'inherit' });
    children.add(started);
    started.once('exit', () => children.delete(started));
    return started;
  };
  const keeping = start(['keeper']);
  const polling = (server as unknown as { _handle: { close(): void } })._handle;
  keeping.send('echo', polling as never);
  const [, copy] = (await once(keeping, 'message')) as [string, unknown];
  (server as unknown as { _handle: unknown })._handle = copy;
  polling.close();
  const spare = () => {
    const c = start(['child', values.warm ? 'warm' : 'cold']);
    return { child: c, ready: once(c, 'message') };
  };
  const prestarted = Array.from({ length: Number(values.prestart) }, spare);
  await Promise.all(prestarted.map((s) => s.ready));
  let next = prestarted.shift() ?? spare();
  const giveTurn = async (): Promise<void> => {
    const holder = next;
    await holder.ready;
    holder.child.on('message', (message: string) => {
      if (message === 'accepted') void giveTurn();
    });
    // The replacement starts as the holder takes its turn, unless it was started up front.
    next = prestarted.shift() ?? spare();
    holder.child.send('turn', copy as never);
  };
  await giveTurn();
  process.on('SIGTERM', () => {
    for (const c of children) c.kill();
    process.exit(0);
  });
  console.log(`listening on ${port}`);
}

if (positionals[0] === 'child') await child();
else if (positionals[0] === 'keeper') keeper();
else await parent();
