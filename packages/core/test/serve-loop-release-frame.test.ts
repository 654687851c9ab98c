/**
 * The context of the request the fast serve loop takes after a release (`serve-loop-fast.ts`,
 * `ready`, which enters the loop's scope before it goes on): each handler of a sequential
 * server sees the context `serveForever()` was called in — after a plain handler, after one
 * that changed its own context with `enterWith()` (its release then comes from a reaction
 * made in that changed context: the next one must not inherit it), after one that failed,
 * and after one cut by `requestTimeout` (released from a timer). A release that goes on
 * without entering the scope (as one trusting the server's mark would) fails the
 * `enterWith()` case.
 */
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { BaseRequestHandler, SequentialStrategy } from '../src/index.js';
import { LineServer } from './fixtures/line-server.js';
import { type ClientResult, readAll, useResources } from './fixtures/net.js';
import { user } from './fixtures/request-scope.js';

const resources = useResources();

/**
 * Answers `<store at handle()>/<store after reading>`. What else it does comes from
 * {@link modes}, one per connection in the order they are served: `leak` enters another store
 * at once (synchronously, so the lifecycle's reaction to `handle()` is made in it), `fail`
 * rejects after answering, `hang` never answers (its `requestTimeout` cuts it).
 */
class ModeHandler extends BaseRequestHandler<Socket, LineServer> {
  static modes: string[] = [];

  override handle(): Promise<void> {
    const before = user.getStore();
    const mode = ModeHandler.modes.shift();
    if (mode === 'hang') return new Promise<void>(() => {});
    if (mode === 'leak') user.enterWith('leaked');
    return this.answer(before, mode);
  }

  async answer(before: string | undefined, mode: string | undefined): Promise<void> {
    if (this.request.read() === null) await once(this.request, 'readable');
    this.request.end(`${before}/${user.getStore()}`);
    if (mode === 'fail') throw new Error('handler failed on purpose');
  }
}

const quiet = { error() {} };

/** Connects every client first (all but the first wait queued), then sends each its line. */
async function serveInOrder(server: LineServer, lines: readonly string[]): Promise<string[]> {
  ModeHandler.modes = [...lines];
  const clients: Socket[] = [];
  for (const _ of lines) clients.push(await resources.client(server.serverAddress));
  const results: Promise<ClientResult>[] = clients.map((socket, i) => {
    const result = readAll(socket);
    socket.end(`${lines[i]}\n`);
    return result;
  });
  return (await Promise.all(results)).map((r) => r.data);
}

describe('serve loop: the next request after a release', () => {
  it('runs in the serving context after plain, leaking and failing handlers', async () => {
    const server = resources.server(
      await LineServer.create(ModeHandler, { strategy: new SequentialStrategy(), logger: quiet }),
    );
    void user.run('serving', () => server.serveForever());
    const lines = ['plain', 'plain', 'leak', 'plain', 'fail', 'plain', 'leak', 'leak', 'plain'];
    const answers = await serveInOrder(server, lines);
    expect(answers).toEqual(
      lines.map((line) => (line === 'leak' ? 'serving/leaked' : 'serving/serving')),
    );
  });

  it('runs in the serving context after a request cut by its timeout', async () => {
    const server = resources.server(
      await LineServer.create(ModeHandler, {
        strategy: new SequentialStrategy(),
        logger: quiet,
        requestTimeout: 50,
      }),
    );
    void user.run('serving', () => server.serveForever());
    const answers = await serveInOrder(server, ['plain', 'hang', 'plain', 'plain']);
    expect(answers).toEqual(['serving/serving', '', 'serving/serving', 'serving/serving']);
  });
});
