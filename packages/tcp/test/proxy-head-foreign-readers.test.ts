/**
 * The held connection head (issue 14) meets code that changes the socket itself while the
 * bytes wait — found by review after the merge, each failed before its mend:
 * - `setEncoding()` then a reader: the held bytes went back undecoded (the first chunk a
 *   Buffer) and a character split between them and the next segment came out broken;
 * - a wrapper over `socket.read` (an APM agent's, a handler's own): the held-bytes `read`
 *   called `this.read`, i.e. the wrapper, which called it back — a stack overflow that ended
 *   the process; and `rfile` taking the bytes left the socket stopped for good.
 * Real loopback sockets; the second segment is sent only once the handler holds the first.
 */
import type { Socket } from 'node:net';
import { BaseRequestHandler } from '@sockserve/core';
import { recv } from '@sockserve/stream';
import { closeAfterEach, connectAndCollect } from '@sockserve/test-support';
import { afterEach, expect, it } from 'vitest';
import { TCPServer } from '../src/index.js';
import { proxyV2Header } from './fixtures/proxy-header.js';

const { servers, sockets } = closeAfterEach<TCPServer>({ afterEach }, { closeTimeout: 100 });

/** Resolved when the handler runs (the bytes after the header held); it waits for `go`. */
let started = Promise.withResolvers<void>();
let go = Promise.withResolvers<void>();

/** Everything a socket gives until its end, with the kinds of chunk it came in. */
async function drain(socket: Socket): Promise<string> {
  const kinds = new Set<string>();
  let text = '';
  for await (const chunk of socket.iterator({ destroyOnReturn: false })) {
    kinds.add(typeof chunk);
    text += String(chunk);
  }
  return `${[...kinds].join(',')} ${text}`;
}

/** Sets UTF-8 decoding while the bytes are held, then reads to the end with `for await`. */
class DecodingHandler extends BaseRequestHandler<Socket> {
  override async handle(): Promise<void> {
    started.resolve();
    await go.promise;
    this.request.setEncoding('utf8');
    this.request.end(await drain(this.request));
  }
}

/** Wraps `socket.read` while the bytes are held, then reads with `recv`, then to the end. */
class WrappedReadHandler extends BaseRequestHandler<Socket> {
  override async handle(): Promise<void> {
    const socket = this.request;
    started.resolve();
    await go.promise;
    const original = socket.read;
    socket.read = function wrapped(this: Socket, size?: number) {
      return original.call(this, size);
    };
    const first = (await recv(socket, 64)).toString();
    socket.end(`[${first}] ${await drain(socket)}`);
  }
}

async function exchange(handler: unknown, first: Buffer, rest: Buffer): Promise<string> {
  started = Promise.withResolvers<void>();
  go = Promise.withResolvers<void>();
  const server = await TCPServer.create(
    { host: '127.0.0.1', port: 0 },
    handler as typeof BaseRequestHandler<Socket>,
    { proxyProtocol: { trusted: ['127.0.0.1'] } },
  );
  servers.push(server);
  void server.serveForever();
  const client = await connectAndCollect(server.serverAddress.port, {
    track: (socket) => sockets.push(socket),
  });
  client.socket.write(Buffer.concat([proxyV2Header, first]));
  await started.promise;
  // The handler holds `first` now (its socket stopped reading): the rest comes after it.
  client.socket.end(rest);
  go.resolve();
  return client.ended();
}

it('setEncoding while the bytes are held: they come decoded, a split character whole', async () => {
  // '€' is e2 82 ac: its first byte is held, the other two come in the next segment.
  const reply = await exchange(
    DecodingHandler,
    Buffer.from([0x61, 0x62, 0xe2]),
    Buffer.from([0x82, 0xac, 0x63, 0x64]),
  );
  expect(reply).toBe('string ab€cd');
});

it('a wrapper over socket.read while the bytes are held: recv gets them, then the rest, no recursion', async () => {
  const reply = await exchange(WrappedReadHandler, Buffer.from('first'), Buffer.from('second'));
  expect(reply).toBe('[first] object second');
});
