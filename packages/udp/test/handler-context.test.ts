/**
 * The async context a datagram handler runs in: the one `serveForever()` was called in, even
 * though the serve loop's fast path hands a datagram over from the socket's own 'message'
 * event (serve-loop-fast.ts) — not the context the server was created in. Created and served
 * from the same context, the socket's events already run in it plus the server's mark (the
 * transport is bound marked, `request-context.ts`), and the loop enters no scope per datagram:
 * the handler still sees that context, and still counts as inside the server (a `shutdown()`
 * from it does not wait for the loop that waits for it).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { AsyncStrategy, SequentialStrategy } from '@sockserve/core';
import { DatagramRequestHandler } from '@sockserve/stream';
import { afterEach, expect, it } from 'vitest';
import { UDPServer } from '../src/index.js';

const user = new AsyncLocalStorage<string>();
const servers: UDPServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.serverClose();
});

/** Answers the user's store as its handler sees it, before and after an await. */
class StoreHandler extends DatagramRequestHandler {
  override async handle(): Promise<void> {
    const before = user.getStore();
    await new Promise((resolve) => setImmediate(resolve));
    await this.wfile.write(`${before}/${user.getStore()}`);
  }
}

it('a datagram handler runs in the context serveForever() was called in', async () => {
  const server = await user.run('created', () =>
    UDPServer.create(['127.0.0.1', 0], StoreHandler, { strategy: new AsyncStrategy() }),
  );
  servers.push(server);
  void user.run('serving', () => server.serveForever());
  const client = createSocket('udp4');
  try {
    const answers: string[] = [];
    for (let i = 0; i < 3; i++) {
      client.send('?', server.serverAddress.port, '127.0.0.1');
      const [message] = (await once(client, 'message')) as [Buffer];
      answers.push(message.toString());
    }
    expect(answers).toEqual(['serving/serving', 'serving/serving', 'serving/serving']);
  } finally {
    client.close();
  }
});

/** Asks the client's question through `shutdown()` first: answers once shutdown() returned. */
class ShutdownHandler extends DatagramRequestHandler<UDPServer> {
  override async handle(): Promise<void> {
    const before = user.getStore();
    await this.server.shutdown();
    await this.wfile.write(`${before}/${user.getStore()} stopped`);
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

it('created and served from one context: the handler sees it, after an await too', async () => {
  await user.run('both', async () => {
    const server = await UDPServer.create(['127.0.0.1', 0], StoreHandler, {
      strategy: new AsyncStrategy(),
    });
    servers.push(server);
    void server.serveForever();
    expect([await ask(server), await ask(server)]).toEqual(['both/both', 'both/both']);
  });
});

it('created and served from one context: shutdown() from the handler does not wait for itself', async () => {
  await user.run('both', async () => {
    const server = await UDPServer.create(['127.0.0.1', 0], ShutdownHandler, {
      strategy: new SequentialStrategy(),
    });
    servers.push(server);
    const serving = server.serveForever();
    // Were the handler not marked as the server's, shutdown() would wait for the sequential
    // loop, which waits for this handler: no answer, and serveForever() would never return.
    expect(await ask(server)).toBe('both/both stopped');
    await serving;
  });
});
