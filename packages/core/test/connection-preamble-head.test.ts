/**
 * The bytes a preamble read past its end, held beside the socket (connection-preamble-head.ts):
 * taken at once by a reader that knows of them, the socket untouched; kept, any other reader —
 * a `'data'` listener, `for await` — finds them put back in front of the socket's next bytes
 * and its end; handing the socket to a worker or child sees them; a stream without a handle
 * gets them back at once; `detachReadBytes` takes them without starting the stopped handle. Real loopback sockets, read as the PROXY header read leaves them.
 * That a FIN cannot overtake kept bytes is tested end to end in tcp's proxy-head-hand-off.
 */
import { once } from 'node:events';
import { connect, createServer, type Server, Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterEach, expect, it } from 'vitest';
import {
  holdConnectionHead,
  holdsConnectionHead,
  keepConnectionHead,
  takeConnectionHead,
} from '../src/connection-preamble-head.js';
import { canMoveSocket } from '../src/moved-socket.js';
import { detachReadBytes } from '../src/remote/read-bytes.js';

const open: Array<Server | Socket> = [];
afterEach(() => {
  for (const thing of open.splice(0)) {
    if ('destroy' in thing) thing.destroy();
    else thing.close();
  }
});

/** A connected pair; the server's side has read its first chunk (`first`) and paused, still reading. */
async function pair(first: string): Promise<{ accepted: Socket; client: Socket }> {
  const server = createServer({ pauseOnConnect: true, allowHalfOpen: true });
  open.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  const client = connect(port, '127.0.0.1');
  open.push(client);
  const [accepted] = (await once(server, 'connection')) as [Socket];
  open.push(accepted);
  // Read as the PROXY header read reads (flowing, reading at once), paused in the 'data'
  // callback: the handle still reads, and the stream would take a FIN as its end.
  const got = new Promise<Buffer>((resolve) => {
    accepted.once('data', (chunk: Buffer) => {
      accepted.pause();
      resolve(chunk);
    });
  });
  (accepted as { readableFlowing: boolean | null }).readableFlowing = true;
  accepted.read(0);
  client.write(first);
  expect((await got).toString()).toBe(first);
  return { accepted, client };
}

/** Event-loop turns, each with a poll for I/O: what a FIN needs to reach a reading socket. */
async function turns(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

async function readAll(socket: Socket, via: 'data' | 'iterate'): Promise<string> {
  const chunks: Buffer[] = [];
  if (via === 'iterate') {
    for await (const chunk of socket.iterator({ destroyOnReturn: false }))
      chunks.push(chunk as Buffer);
  } else {
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.resume();
    await once(socket, 'end');
  }
  return Buffer.concat(chunks).toString();
}

it('taken before keep: the reader gets them, nothing else changes on the socket', async () => {
  const { accepted, client } = await pair('first');
  holdConnectionHead(accepted, Buffer.from('held '));
  expect(takeConnectionHead(accepted)?.toString()).toBe('held ');
  keepConnectionHead(accepted); // nothing held: a no-op
  expect(accepted.listenerCount('newListener')).toBe(0);
  client.end('wire');
  expect(await readAll(accepted, 'data')).toBe('wire');
});

it.each(['data', 'iterate'] as const)(
  'kept across a FIN, a reader that does not take them (%s) gets them first, then the wire',
  async (via) => {
    const { accepted, client } = await pair('first');
    holdConnectionHead(accepted, Buffer.from('held '));
    keepConnectionHead(accepted);
    client.end('then the wire');
    await once(client, 'finish');
    await turns(4);
    expect(holdsConnectionHead(accepted)).toBe(true);
    expect(await readAll(accepted, via)).toBe('held then the wire');
    expect(holdsConnectionHead(accepted)).toBe(false);
    expect(accepted.listenerCount('newListener')).toBe(0);
  },
);

it('kept, then taken: the socket reads again (the FIN comes after them)', async () => {
  const { accepted, client } = await pair('first');
  holdConnectionHead(accepted, Buffer.from('one '));
  holdConnectionHead(accepted, Buffer.from('two '));
  keepConnectionHead(accepted);
  client.end('wire');
  await once(client, 'finish');
  await turns(4);
  expect(takeConnectionHead(accepted)?.toString()).toBe('one two ');
  expect(await readAll(accepted, 'data')).toBe('wire');
});

it('canMoveSocket puts them back in the socket: a socket holding bytes cannot move', async () => {
  const { accepted } = await pair('first');
  holdConnectionHead(accepted, Buffer.from('abc'));
  keepConnectionHead(accepted);
  expect(canMoveSocket(accepted)).toBe(false);
  expect(accepted.readableLength).toBe(3);
  expect(holdsConnectionHead(accepted)).toBe(false);
});

it('a stream without a handle (a relay) gets them back in front at keep', async () => {
  const relay = new PassThrough();
  relay.write('wire');
  holdConnectionHead(relay, Buffer.from('held '));
  keepConnectionHead(relay);
  expect(holdsConnectionHead(relay)).toBe(false);
  relay.end();
  let got = '';
  for await (const chunk of relay) got += (chunk as Buffer).toString();
  expect(got).toBe('held wire');
});

it('detachReadBytes takes them for the hand-over, the handle left stopped; resume() reads the wire after them', async () => {
  const { accepted, client } = await pair('first');
  holdConnectionHead(accepted, Buffer.from('held '));
  keepConnectionHead(accepted);
  const handle = (accepted as unknown as { _handle: { reading: boolean } })._handle;
  expect(handle.reading).toBe(false);
  const detached = detachReadBytes(accepted);
  expect(detached?.head.toString()).toBe('held ');
  expect(handle.reading).toBe(false);
  expect(holdsConnectionHead(accepted)).toBe(false);
  expect(accepted.read).toBe(Socket.prototype.read);
  // Relayed after all: the socket reads again here, the bytes held are not put back.
  client.end('wire');
  detached?.resume();
  expect(await readAll(accepted, 'data')).toBe('wire');
});
