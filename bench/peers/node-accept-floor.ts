/**
 * Node peers of `bench/forking-accept-floor.ts`: the kernel's connect → accept floor for a
 * Node process asleep in its event loop, no sockserve code.
 *
 *   node bench/peers/node-accept-floor.ts accept [--port 0]
 *   node bench/peers/node-accept-floor.ts shared N [--port 0]
 *
 * - `accept`: one process listening (`net.createServer`), as sockserve's server accepts.
 * - `shared N`: N child processes listening on ONE socket, which this process created, sent to
 *   each (`subprocess.send(message, server)`, SCM_RIGHTS) and then closed its own copy of: the
 *   shape of forking's `acceptIn: 'children'` with N spares. Every child's loop polls the
 *   socket, so a connection wakes all N (libuv sets no EPOLLEXCLUSIVE) and one wins the accept.
 *
 * A connection's answer, after one line is read: `ACCEPTED_NS PID\n` — `process.hrtime.bigint()`
 * (CLOCK_MONOTONIC, the clock of the bench's client) at the `'connection'` event. Prints
 * `listening on PORT` once every listener is up; exits on SIGTERM, children with it.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { parseArgs } from 'node:util';

function answerWithAcceptTime(socket: Socket): void {
  const accepted = process.hrtime.bigint();
  socket.setNoDelay(true);
  let text = '';
  socket.setEncoding('utf8').on('data', (chunk: string) => {
    text += chunk;
    if (text.includes('\n')) socket.end(`${accepted} ${process.pid}\n`);
  });
  socket.on('error', () => {});
}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { port: { type: 'string', default: '0' } },
});
const [mode, count] = positionals;

if (mode === 'child') {
  // A listener handed over by the parent: Node gives it back as a listening net.Server.
  process.on('message', (message: string, server: Server) => {
    if (message !== 'listen') return;
    server.on('connection', answerWithAcceptTime);
    process.send?.('listening');
  });
  process.on('disconnect', () => process.exit(0));
} else if (mode === 'accept') {
  const server = createServer(answerWithAcceptTime);
  server.listen(Number(values.port), '127.0.0.1', 1024, () => {
    console.log(`listening on ${(server.address() as { port: number }).port}`);
  });
  process.on('SIGTERM', () => process.exit(0));
} else if (mode === 'shared' && Number(count) >= 1) {
  const server = createServer();
  server.listen(Number(values.port), '127.0.0.1', 1024);
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  const children: ChildProcess[] = [];
  for (let i = 0; i < Number(count); i += 1) {
    const child = fork(import.meta.filename, ['child'], { stdio: 'inherit' });
    children.push(child);
    child.send('listen', server);
    await once(child, 'message');
  }
  // Only the children poll the socket from now on.
  server.close();
  process.on('SIGTERM', () => {
    for (const child of children) child.kill();
    process.exit(0);
  });
  console.log(`listening on ${port}`);
} else {
  console.error('usage: node-accept-floor.ts accept | shared N [--port P]');
  process.exit(2);
}
