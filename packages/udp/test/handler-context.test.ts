/**
 * The async context a datagram handler runs in: the one `serveForever()` was called in, even
 * though the serve loop's fast path hands a datagram over from the socket's own 'message'
 * event (serve-loop-fast.ts) — not the context the server was created in.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { AsyncStrategy } from '@sockserve/core';
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
