/**
 * The bytes a preamble read past its end, held for the connection's next reader
 * (connection-preamble-head.ts): `rfile` takes them without a round through the socket's
 * buffer; any other reader — a `'data'` or `'readable'` listener, `for await` — finds them
 * put back in front of the socket's next bytes, in order; handing the socket to a worker or
 * child sees them. Real loopback sockets, accepted paused as the transports accept them.
 */
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import {
  holdConnectionHead,
  restoreConnectionHead,
  takeConnectionHead,
} from '../src/connection-preamble-head.js';
import { canMoveSocket } from '../src/moved-socket.js';

const open: Array<Server | Socket> = [];
afterEach(() => {
  for (const thing of open.splice(0)) {
    if ('destroy' in thing) thing.destroy();
    else thing.close();
  }
});

/** A connected pair: the server's side accepted paused (no byte read), and the client. */
async function pair(): Promise<{ accepted: Socket; client: Socket }> {
  const server = createServer({ pauseOnConnect: true, allowHalfOpen: true });
  open.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  const client = connect(port, '127.0.0.1');
  open.push(client);
  const [accepted] = (await once(server, 'connection')) as [Socket];
  open.push(accepted);
  return { accepted, client };
}

async function readAll(socket: Socket, via: 'data' | 'iterate'): Promise<string> {
  const chunks: Buffer[] = [];
  if (via === 'iterate') {
    for await (const chunk of socket) chunks.push(chunk as Buffer);
  } else {
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.resume(); // accepted paused: a 'data' listener alone does not start it
    await once(socket, 'end');
  }
  return Buffer.concat(chunks).toString();
}

it.each(['data', 'iterate'] as const)(
  'a reader that does not take the held bytes (%s) gets them first, then the socket’s own',
  async (via) => {
    const { accepted, client } = await pair();
    holdConnectionHead(accepted, Buffer.from('held '));
    client.end('then the wire');
    expect(await readAll(accepted, via)).toBe('held then the wire');
    // Put back once: nothing is held any more, and the hook is gone.
    expect(takeConnectionHead(accepted)).toBeUndefined();
    expect(accepted.listenerCount('newListener')).toBe(0);
  },
);

it('the reader that takes them gets them whole (a second hold appends); the socket keeps only its own', async () => {
  const { accepted, client } = await pair();
  holdConnectionHead(accepted, Buffer.from('one '));
  holdConnectionHead(accepted, Buffer.from('two '));
  expect(takeConnectionHead(accepted)?.toString()).toBe('one two ');
  expect(takeConnectionHead(accepted)).toBeUndefined();
  expect(accepted.listenerCount('newListener')).toBe(0);
  client.end('wire');
  expect(await readAll(accepted, 'data')).toBe('wire');
});

it('restoreConnectionHead puts them in the socket’s buffer; a socket holding bytes cannot move', async () => {
  const { accepted } = await pair();
  expect(canMoveSocket(accepted)).toBe(true);
  holdConnectionHead(accepted, Buffer.from('abc'));
  // Moving it now would leave the held bytes behind: not movable, and they are in its buffer.
  expect(canMoveSocket(accepted)).toBe(false);
  expect(accepted.readableLength).toBe(3);
  restoreConnectionHead(accepted); // nothing left to restore: no second copy
  expect(accepted.readableLength).toBe(3);
});
