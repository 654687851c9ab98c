/**
 * The held connection head (issue 14) against the readers and endings the first tests did not
 * try, found by review. Failed before their mend: a handler that calls `socket.read()`
 * itself, and a handler that answers and returns without reading, whose connection must still
 * close when the client ends (the socket's handle was left stopped, so the client's FIN was
 * never read and the connection lingered to `closeTimeout`, held in Node's connection count).
 * Passed as they are (pinned): a close while the bytes are held cuts the connection at its
 * timeout, and a client's reset while they are held loses them not. Real loopback sockets,
 * headers from the encoder.
 */
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { AsyncStrategy, BaseRequestHandler } from '@sockserve/core';
import { recv } from '@sockserve/stream';
import { type CollectingClient, closeAfterEach, connectAndCollect } from '@sockserve/test-support';
import { afterEach, expect, it } from 'vitest';
import { TCPServer } from '../src/index.js';
import { proxyV2Header } from './fixtures/proxy-header.js';

const { servers, sockets } = closeAfterEach<TCPServer>({ afterEach }, { closeTimeout: 100 });

const header = proxyV2Header;

/** The server's side of the last connection, for the test to watch it close. */
let served: Socket | undefined;

/** Reads with `socket.read()` after a turn of the loop (the bytes are then held), answers with it. */
class ReadDirectHandler extends BaseRequestHandler<Socket> {
  override async handle(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    const first = this.request.read() as Buffer | null;
    this.request.end(`[${first?.toString() ?? 'null'}]`);
  }
}

/** Answers at once, in the callback that accepted it, and never reads. */
class AnswerAtOnceHandler extends BaseRequestHandler<Socket> {
  override handle(): void {
    served = this.request;
    this.request.end('bye');
  }
}

/** Answers after a turn of the loop (the bytes are held by then) and never reads. */
class AnswerLaterHandler extends BaseRequestHandler<Socket> {
  override async handle(): Promise<void> {
    served = this.request;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.request.end('bye');
  }
}

/** Released by the test: the handler waits (its bytes held, the socket not reading) until then. */
let release: () => void = () => {};
/** Resolved with the server's side once the handler runs. */
let started = Promise.withResolvers<Socket>();
/** What {@link WaitThenRecvHandler}'s `recv` returned. */
let got: string | undefined;

/** Waits for the test's release (or the server's cut), then reads with `recv` and answers what it got. */
class WaitThenRecvHandler extends BaseRequestHandler<Socket> {
  override async handle(): Promise<void> {
    await new Promise<void>((resolve) => {
      release = resolve;
      this.signal.addEventListener('abort', () => resolve(), { once: true });
      started.resolve(this.request);
    });
    if (this.signal.aborted) return;
    got = (await recv(this.request, 64)).toString();
    this.request.end(`[${got}]`);
  }
}

async function serve(
  handler: typeof BaseRequestHandler<Socket>,
  strategy?: AsyncStrategy,
): Promise<TCPServer> {
  const server = await TCPServer.create({ host: '127.0.0.1', port: 0 }, handler, {
    proxyProtocol: { trusted: ['127.0.0.1'] },
    ...(strategy === undefined ? {} : { strategy }),
    // Far past the test's own timeout: a connection must close because the client did.
    closeTimeout: 600_000,
  });
  servers.push(server);
  void server.serveForever();
  return server;
}

/** A client that collects the server's reply (`ended()`: all of it, at the server's FIN). */
function client(server: TCPServer): Promise<CollectingClient> {
  return connectAndCollect(server.serverAddress.port, { track: (socket) => sockets.push(socket) });
}

const handler = (of: unknown) => of as typeof BaseRequestHandler<Socket>;

it('socket.read() called directly returns the held bytes', async () => {
  const server = await serve(handler(ReadDirectHandler));
  const { socket, ended } = await client(server);
  socket.write(Buffer.concat([header, Buffer.from('direct')]));
  expect(await ended()).toBe('[direct]');
});

for (const [name, Handler] of [
  ['at once', AnswerAtOnceHandler],
  ['after a turn', AnswerLaterHandler],
] as const) {
  it(`a handler that answers ${name} without reading: the connection closes when the client ends`, async () => {
    served = undefined;
    const server = await serve(handler(Handler));
    const { socket, ended } = await client(server);
    socket.write(Buffer.concat([header, Buffer.from('never read')]));
    expect(await ended()).toBe('bye');
    const side = served as Socket | undefined;
    expect(side).toBeDefined();
    const closed = side?.destroyed === true ? Promise.resolve() : once(side as Socket, 'close');
    // The client ends after the server's answer: the server must read that FIN to close.
    socket.end();
    await closed;
    expect(side?.destroyed).toBe(true);
  });
}

it('a close while the bytes are held cuts the connection at its timeout; the report counts it cut', async () => {
  started = Promise.withResolvers<Socket>();
  // Async: shutdown() does not wait for the running request (sequential serves it inline).
  const server = await serve(handler(WaitThenRecvHandler), new AsyncStrategy());
  const { socket } = await client(server);
  socket.write(Buffer.concat([header, Buffer.from('held')]));
  await started.promise;
  const closed = once(socket, 'close');
  servers.splice(servers.indexOf(server), 1);
  await server.shutdown();
  const report = await server.serverClose({ timeout: 50 });
  await closed;
  expect(report).toMatchObject({ accepted: 1, finished: 0, cut: 1, dropped: 0 });
});

it('a client that resets while the bytes are held: the handler still gets them, and the connection closes', async () => {
  started = Promise.withResolvers<Socket>();
  got = undefined;
  const server = await serve(handler(WaitThenRecvHandler));
  const { socket } = await client(server);
  socket.write(Buffer.concat([header, Buffer.from('held')]));
  const side = await started.promise;
  // once() would reject on the answer's write error: only the close is awaited.
  const sideClosed = new Promise((resolve) => side.once('close', resolve));
  socket.resetAndDestroy();
  await once(socket, 'close');
  release();
  // The reset waits in the kernel while the bytes are held: the handler reads them, and its
  // answer's write meets the reset.
  await sideClosed;
  expect(got).toBe('held');
});
