/**
 * Refusing before a socket exists (issue 12, item 7; `early-refusal.ts` in core): the
 * connections a full queue, `maxConnections` or the per-client cap would refuse anyway are
 * reset from the accepted handle, so no `net.Socket` is built and no `'connection'` event is
 * emitted for them. The hook rests on Node internals (`_handle.onconnection`, `reset()`),
 * feature-tested at install: these tests run on every Node CI runs (22, 24, 26) and fail if
 * the internals moved, while the server would still refuse (through sockets) in that case.
 */
import diagnostics from 'node:diagnostics_channel';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { AsyncStrategy, BaseRequestHandler } from '@sockserve/core';
import { installEarlyRefusal } from '@sockserve/core/kit';
import { closeAfterEach } from '@sockserve/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { TCPServer } from '../src/index.js';

const { servers, sockets } = closeAfterEach<TCPServer>({ afterEach }, { closeTimeout: 100 });
const listeners: Server[] = [];
afterEach(() => {
  for (const listener of listeners.splice(0)) listener.close();
});

/** Holds its connection until the client ends or resets it. */
class Hold extends BaseRequestHandler {
  override async handle(): Promise<void> {
    const socket = this.request as Socket;
    socket.resume();
    if (!socket.destroyed) await Promise.race([once(socket, 'end'), once(socket, 'close')]);
  }
}

/** A server whose listener counts the sockets Node built (`'connection'` events). */
async function serve(options: object): Promise<{ server: TCPServer; built: () => number }> {
  const server = await TCPServer.create({ host: '127.0.0.1', port: 0 }, Hold, options);
  servers.push(server);
  let built = 0;
  server.socket?.on('connection', () => {
    built += 1;
  });
  server.serveForever().catch(() => {});
  return { server, built: () => built };
}

/** Connects from `localAddress` and resolves once connected. */
async function held(port: number, localAddress = '127.0.0.1'): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port, localAddress });
  sockets.push(socket);
  await once(socket, 'connect');
  return socket;
}

/** Connects and resolves with the error the server's reset gives. */
async function refused(port: number, localAddress = '127.0.0.1'): Promise<NodeJS.ErrnoException> {
  const socket = connect({ host: '127.0.0.1', port, localAddress });
  sockets.push(socket);
  const [error] = (await once(socket, 'error')) as [NodeJS.ErrnoException];
  return error;
}

describe('installEarlyRefusal', () => {
  it('finds the internals it needs on this Node', async () => {
    const listener = createServer();
    listeners.push(listener);
    listener.listen(0, '127.0.0.1');
    await once(listener, 'listening');
    expect(installEarlyRefusal(listener, () => false)).toBe(true);
  });

  it('changes nothing on a server that is not listening (no handle)', () => {
    expect(installEarlyRefusal(createServer(), () => true)).toBe(false);
  });
});

describe('refusals without a socket', () => {
  it('a full queue: reset, counted, published, and no socket built', async () => {
    // Sequential: one request held by the handler, one waiting in a queue of 1.
    const { server, built } = await serve({ requestQueueSize: 1 });
    const { port } = server.serverAddress;
    const published: unknown[] = [];
    const onRefused = (message: unknown) => published.push(message);
    diagnostics.subscribe('sockserve:connection.refused', onRefused);
    try {
      const first = await held(port);
      await held(port);
      for (let i = 0; i < 5; i += 1) expect((await refused(port)).code).toBe('ECONNRESET');
      expect(server.stats).toMatchObject({ accepted: 2, refused: 5 });
      expect(built()).toBe(2);
      expect(published).toHaveLength(5);
      expect(published[0]).toMatchObject({
        reason: 'queue-full',
        clientAddress: { family: 'IPv4', host: '127.0.0.1' },
      });
      // Nothing else was lost: the held connection is still open and answered by its handler.
      expect(first.destroyed).toBe(false);
    } finally {
      diagnostics.unsubscribe('sockserve:connection.refused', onRefused);
    }
  });

  it('the per-client cap: reset and counted per client, another client still served', async () => {
    const { server, built } = await serve({
      strategy: new AsyncStrategy(),
      maxConnectionsPerClient: 1,
    });
    const { port } = server.serverAddress;
    await held(port, '127.0.0.1');
    expect((await refused(port, '127.0.0.1')).code).toBe('ECONNRESET');
    await held(port, '127.0.0.2');
    expect(server.stats).toMatchObject({ accepted: 2, refused: 0, refusedPerClient: 1 });
    expect(built()).toBe(2);
  });

  it('maxConnections: reset and counted, no socket built', async () => {
    const { server, built } = await serve({ strategy: new AsyncStrategy(), maxConnections: 2 });
    const { port } = server.serverAddress;
    await held(port);
    await held(port);
    expect((await refused(port)).code).toBe('ECONNRESET');
    expect(server.stats).toMatchObject({ accepted: 2, refused: 1 });
    expect(built()).toBe(2);
  });
});
