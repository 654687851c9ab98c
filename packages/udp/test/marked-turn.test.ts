/**
 * A datagram handed over from the socket's event runs its handler without a probe of the async
 * frame (core's `marked-turn.ts`) only while the server's own default path runs in between. An
 * override of `processRequest()` that runs `super` inside a scope without the server's mark
 * (an `AsyncResource` made outside it) must still get its handler marked: there the probe
 * runs. The handler's `shutdown()` shows which: marked, it does not wait for the sequential
 * loop that waits for it.
 */
import { AsyncResource } from 'node:async_hooks';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { SequentialStrategy, type SocketAddress } from '@sockserve/core';
import { DatagramRequestHandler } from '@sockserve/stream';
import { afterEach, expect, it } from 'vitest';
import { UDPServer, type UdpDatagramRequest } from '../src/index.js';

/** A scope made here, outside any server: running in it drops a server's mark. */
const foreign = new AsyncResource('test.foreign');
const servers: UDPServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.serverClose();
});

/** Stops the server from inside the handler, then answers. */
class ShutdownHandler extends DatagramRequestHandler<UDPServer> {
  override async handle(): Promise<void> {
    await this.server.shutdown();
    await this.wfile.write('stopped');
  }
}

/** `processRequest()` runs the default inside the foreign scope. */
class ForeignScopeServer extends UDPServer {
  override processRequest(request: UdpDatagramRequest, clientAddress: SocketAddress) {
    return foreign.runInAsyncScope(() => super.processRequest(request, clientAddress));
  }
}

async function ask(server: UDPServer): Promise<string> {
  const client = createSocket('udp4');
  try {
    client.send('?', server.serverAddress.port, '127.0.0.1');
    const [message] = (await once(client, 'message')) as [Buffer];
    return message.toString();
  } finally {
    client.close();
  }
}

it('default path: the handler served from the event is marked without a probe', async () => {
  const server = await UDPServer.create(['127.0.0.1', 0], ShutdownHandler, {
    strategy: new SequentialStrategy(),
  });
  servers.push(server);
  const serving = server.serveForever();
  expect(await ask(server)).toBe('stopped');
  await serving;
});

it('processRequest() running super in a foreign scope: the handler is still marked', async () => {
  const server = await ForeignScopeServer.create(['127.0.0.1', 0], ShutdownHandler, {
    strategy: new SequentialStrategy(),
  });
  servers.push(server);
  const serving = server.serveForever();
  // Were the event's note taken past the override, the handler would run unmarked in the
  // foreign scope: shutdown() would wait for the loop waiting for it — no answer.
  expect(await ask(server)).toBe('stopped');
  await serving;
});
