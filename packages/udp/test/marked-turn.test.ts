/**
 * A datagram handed over from the socket's event runs its handler without a probe of the async
 * frame (core's `marked-turn.ts`) only while the server's own default path runs in between. An
 * override of `processRequest()` that runs `super` inside a scope without the server's mark
 * (an `AsyncResource` made outside it) must still get its handler marked: there the probe
 * runs. The handler's `shutdown()` shows which: marked, it does not wait for the sequential
 * loop that waits for it. That the probe is skipped is counted too: `getStore()` calls while
 * datagrams are served, with the default path and with an instance's own `finishRequest()`.
 */
import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { AsyncStrategy, SequentialStrategy, type SocketAddress } from '@sockserve/core';
import { DatagramRequestHandler } from '@sockserve/stream';
import { afterEach, describe, expect, it } from 'vitest';
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

/** Answers each datagram with itself; reads no store. */
class EchoHandler extends DatagramRequestHandler<UDPServer> {
  override handle(): void {
    void this.wfile.write(this.packet);
  }
}

/** `AsyncLocalStorage#getStore()` calls while `count` datagrams are answered one at a time. */
async function probesWhileServing(server: UDPServer, count: number): Promise<number> {
  const client = createSocket('udp4');
  const original = AsyncLocalStorage.prototype.getStore;
  let calls = 0;
  AsyncLocalStorage.prototype.getStore = function getStore(this: AsyncLocalStorage<unknown>) {
    calls += 1;
    return original.call(this);
  };
  try {
    for (let n = 0; n < count; n += 1) {
      const answer = once(client, 'message');
      client.send('x', server.serverAddress.port, '127.0.0.1');
      await answer;
    }
  } finally {
    AsyncLocalStorage.prototype.getStore = original;
    client.close();
  }
  return calls;
}

/** Node 24 on: requests share the server's marked frame (`AsyncContextFrame`); Node 22 probes. */
const FRAMES = Number(process.versions.node.split('.')[0]) >= 24;

describe.runIf(FRAMES).each([
  ['async', () => new AsyncStrategy()],
  ['sequential', () => new SequentialStrategy()],
] as const)('%s: the probe of the frame', (_name, strategy) => {
  it('is skipped on the default path, and runs once an instance has its own finishRequest()', async () => {
    const server = await UDPServer.create(['127.0.0.1', 0], EchoHandler, { strategy: strategy() });
    servers.push(server);
    void server.serveForever();
    const count = 20;
    // Warm-up: the first datagrams may take other paths (a sender's first reply).
    await probesWhileServing(server, 5);
    const skipped = await probesWhileServing(server, count);
    server.finishRequest = function finishRequest(this: UDPServer, ...args) {
      return UDPServer.prototype.finishRequest.apply(this, args);
    };
    const probed = await probesWhileServing(server, count);
    expect(probed).toBeGreaterThanOrEqual(count);
    expect(skipped).toBeLessThan(count);
  });
});
