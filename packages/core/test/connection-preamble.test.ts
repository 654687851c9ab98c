/**
 * The net listener's connection preamble, on its own (no PROXY parser): a preamble that reads
 * a 4-byte tag. Accepted connections reach `take()` with the client it named, the facts it
 * attached and the bytes it read past the tag, unread by anyone; refused ones are reset,
 * counted under its name and published on its channel; one still running when the listener
 * closes is reset, counted as rejected and published with reason `closing`.
 */
import diagnostics from 'node:diagnostics_channel';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { inetAddress, requestInfo } from '../src/index.js';
import { type ConnectionPreamble, NetListenerTransport } from '../src/kit/index.js';
import { loopbackListener } from './fixtures/net-listener.js';

const open: Array<() => unknown> = [];
afterEach(async () => {
  for (const close of open.splice(0).reverse()) await close();
});

/** Reads 4 bytes: `OKAY` accepts as client 192.0.2.1:7, anything else refuses (`bad-tag`). */
const tagPreamble: ConnectionPreamble = {
  name: 'tag',
  run: (socket, _peer, signal) =>
    new Promise((resolve) => {
      let got = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        got = Buffer.concat([got, chunk]);
        if (got.length < 4) return;
        socket.off('data', onData);
        socket.pause();
        if (got.subarray(0, 4).toString() !== 'OKAY') resolve({ accept: false, reason: 'bad-tag' });
        else
          resolve({
            accept: true,
            clientAddress: inetAddress('192.0.2.1', 7),
            info: { tag: 'OKAY' },
            rest: got.subarray(4),
          });
      };
      signal.addEventListener('abort', () => resolve({ accept: false, reason: 'closing' }));
      socket.on('data', onData);
      socket.resume();
    }),
};

async function listening(
  preamble: ConnectionPreamble = tagPreamble,
): Promise<{ transport: NetListenerTransport; port: number }> {
  const transport = new NetListenerTransport(
    loopbackListener({
      preamble,
    }),
  );
  open.push(() => transport.close());
  await transport.bind();
  const address = transport.address;
  return { transport, port: address.family === 'unix' ? 0 : address.port };
}

async function client(port: number, data: string): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port });
  socket.on('error', () => {});
  open.push(() => socket.destroy());
  await once(socket, 'connect');
  socket.write(data);
  return socket;
}

/** Resolves once `socket` closed (reset or not). */
const closed = (socket: Socket) => new Promise((resolve) => socket.once('close', resolve));

it('an accepted connection is queued with its client, its facts and the bytes past the preamble', async () => {
  const { transport, port } = await listening();
  await client(port, 'OKAYhello\n');
  const incoming = await transport.take();
  expect(incoming?.clientAddress).toEqual({ family: 'IPv4', host: '192.0.2.1', port: 7 });
  expect(requestInfo(incoming?.request)).toEqual({ tag: 'OKAY' });
  const socket = incoming?.request as Socket;
  const [data] = await once(socket, 'data');
  expect(String(data)).toBe('hello\n');
  expect(transport.stats).toMatchObject({ accepted: 1 });
  transport.closeRequest(socket);
});

it('a refused connection is reset, counted as tagRejected, published on sockserve:tag.rejected', async () => {
  const seen: unknown[] = [];
  const listen = (message: unknown) => seen.push(message);
  diagnostics.subscribe('sockserve:tag.rejected', listen);
  open.push(() => diagnostics.unsubscribe('sockserve:tag.rejected', listen));
  const { transport, port } = await listening();
  const socket = await client(port, 'NOPE');
  await closed(socket);
  expect(transport.stats).toMatchObject({ accepted: 0, tagRejected: 1 });
  expect(seen).toEqual([
    expect.objectContaining({
      reason: 'bad-tag',
      clientAddress: expect.objectContaining({ host: '127.0.0.1' }),
    }),
  ]);
});

it('a preamble still running when the listener closes is reset, counted as tagRejected, published as closing', async () => {
  const seen: Array<{ reason: string }> = [];
  const listen = (message: unknown) => seen.push(message as { reason: string });
  diagnostics.subscribe('sockserve:tag.rejected', listen);
  open.push(() => diagnostics.unsubscribe('sockserve:tag.rejected', listen));
  let started: () => void = () => {};
  const running = new Promise<void>((resolve) => {
    started = resolve;
  });
  const { transport, port } = await listening({
    name: 'tag',
    run: (socket, peer, signal) => {
      started();
      return tagPreamble.run(socket, peer, signal);
    },
  });
  const socket = await client(port, 'OK');
  await running;
  await transport.close();
  await closed(socket);
  // Counted once, by the transport, though the preamble also settled (reason 'closing').
  expect(transport.stats).toMatchObject({ accepted: 0, dropped: 0, tagRejected: 1 });
  expect(seen).toEqual([
    expect.objectContaining({
      reason: 'closing',
      clientAddress: expect.objectContaining({ host: '127.0.0.1' }),
    }),
  ]);
});
