/**
 * A worker posts the `done` messages of one event-loop turn together (issue 16: a message
 * costs both threads a fixed price), never out of order with its other messages, and the
 * server's side hands each message on as if it had come alone. Then, with real workers: many
 * requests ending at once are each counted once.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { LineClient } from '@sockserve/conformance';
import type { FromRunner } from '@sockserve/core/remote';
import { TCPServer } from '@sockserve/tcp';
import { ThreadingMixIn } from '@sockserve/threading';
import { afterEach, describe, expect, it } from 'vitest';
import { DoneBatch, eachMessage, type WorkerPost } from '../src/done-batch.js';
import { BusyHandler } from './fixtures/handlers.ts';

const done = (id: number): FromRunner => ({ t: 'done', id, error: undefined });

function recorder() {
  const posts: WorkerPost[] = [];
  return { posts, batch: new DoneBatch((post) => posts.push(post)) };
}

describe('DoneBatch', () => {
  it("posts a turn's done messages in one post, in order, once the turn ends", async () => {
    const { posts, batch } = recorder();
    batch.post(done(1));
    batch.post(done(2));
    batch.post(done(3));
    expect(posts).toEqual([]);
    await nextTurn();
    expect(posts).toEqual([[done(1), done(2), done(3)]]);
  });

  it('posts a lone done as itself, and the next turn starts a new post', async () => {
    const { posts, batch } = recorder();
    batch.post(done(1));
    await nextTurn();
    batch.post(done(2));
    await nextTurn();
    expect(posts).toEqual([done(1), done(2)]);
  });

  it('sends any other message at once, after the done messages held before it', async () => {
    const { posts, batch } = recorder();
    batch.post(done(1));
    batch.post(done(2));
    batch.post({ t: 'write', id: 3, chunks: [] });
    expect(posts).toEqual([[done(1), done(2)], { t: 'write', id: 3, chunks: [] }]);
    batch.post({ t: 'exiting', running: [4] });
    expect(posts).toHaveLength(3);
    await nextTurn();
    expect(posts).toHaveLength(3);
  });

  it('flush() sends what it holds (a thread on its way out)', () => {
    const { posts, batch } = recorder();
    batch.post(done(1));
    batch.flush();
    batch.flush();
    expect(posts).toEqual([done(1)]);
  });

  it("eachMessage hands on a post's messages one by one, in order", () => {
    const seen: FromRunner[] = [];
    eachMessage([done(1), done(2)], (message) => seen.push(message));
    eachMessage(done(3), (message) => seen.push(message));
    expect(seen).toEqual([done(1), done(2), done(3)]);
  });
});

describe('requests ending together in a worker', () => {
  const open: TCPServer[] = [];
  afterEach(async () => {
    for (const server of open.splice(0)) await server.serverClose();
  });

  it('are each counted finished once, and the close report adds up', async () => {
    const server = await ThreadingMixIn(TCPServer).create(
      { host: '127.0.0.1', port: 0 },
      BusyHandler,
      { minWorkers: 1, maxWorkers: 1 },
    );
    open.push(server);
    const loop = server.serveForever();
    const clients = await Promise.all(
      Array.from({ length: 24 }, () => LineClient.connect(server.serverAddress)),
    );
    // Every line at once: the one worker ends several connections in one turn.
    for (const [index, client] of clients.entries()) client.write(`w${index}\n`);
    const answers = await Promise.all(clients.map(async (client) => client.line()));
    expect(answers).toEqual(clients.map((_, index) => `w${index} worker 1\n`));
    expect(await Promise.all(clients.map((client) => client.rest()))).toEqual(
      clients.map(() => ''),
    );
    const report = await server.serverClose();
    await loop;
    expect(report).toMatchObject({ accepted: 24, finished: 24, failed: 0, cut: 0, dropped: 0 });
  });
});
