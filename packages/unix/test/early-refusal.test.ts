/**
 * Refusing before a socket exists on a Unix stream server (issue 12, item 7; core's
 * `early-refusal.ts`): a pipe has no reset, so a connection a full queue refuses is closed
 * from the accepted handle — the client sees end of stream — with no `net.Socket` built and no
 * `'connection'` event, counted in `stats.refused`, while the held connections go on.
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { BaseRequestHandler } from '@sockserve/core';
import { closeAfterEach } from '@sockserve/test-support';
import { afterEach, expect, it } from 'vitest';
import { UnixStreamServer } from '../src/index.js';
import { tempSocketPaths } from './temp-paths.js';

const path = tempSocketPaths();
const { servers, sockets } = closeAfterEach<UnixStreamServer>({ afterEach }, { closeTimeout: 100 });

/** Holds its connection until the client ends it. */
class Hold extends BaseRequestHandler {
  override async handle(): Promise<void> {
    const socket = this.request as Socket;
    socket.resume();
    if (!socket.destroyed) await Promise.race([once(socket, 'end'), once(socket, 'close')]);
  }
}

it('a full queue: the extra connections are closed from the handle, no socket built', async () => {
  const p = path();
  // Sequential: one connection in the handler, one waiting in a queue of 1.
  const server = await UnixStreamServer.create(p, Hold, { requestQueueSize: 1 });
  servers.push(server);
  let built = 0;
  server.socket?.on('connection', () => {
    built += 1;
  });
  server.serveForever().catch(() => {});
  const open = async () => {
    const socket = connect(p);
    sockets.push(socket);
    socket.on('error', () => {});
    await once(socket, 'connect');
    return socket;
  };
  const held = [await open(), await open()];
  for (let i = 0; i < 3; i += 1) {
    const refused = await open();
    refused.resume();
    await once(refused, 'end');
  }
  expect(server.stats).toMatchObject({ accepted: 2, refused: 3 });
  expect(built).toBe(2);
  for (const socket of held) expect(socket.destroyed).toBe(false);
});
