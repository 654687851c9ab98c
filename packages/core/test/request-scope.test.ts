/**
 * The async context a handler runs in (request-context.ts, request-scope.ts): its caller's
 * context plus the server's mark. Requests started from the same caller context share one
 * scope (one `AsyncContextFrame` for all of them, not one per idle connection); a request
 * started from another context sees that context, never a stale one.
 */
import { executionAsyncId } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import { AsyncStrategy } from '../src/index.js';
import { runInRequestOf } from '../src/request-context.js';
import { LineServer } from './fixtures/line-server.js';
import { useResources } from './fixtures/net.js';
import { FRAMES, StoreHandler, user } from './fixtures/request-scope.js';

const resources = useResources();

/** Enters the caller's frame plus `server`'s mark and reads it back (sync part and after an await). */
function seen(server: object): Promise<string> {
  return runInRequestOf(
    server,
    async (label: string) => {
      const now = user.getStore();
      await null;
      return `${label}:${now}/${user.getStore()}`;
    },
    'req',
  );
}

describe('request scope', () => {
  it('runs every handler in the context serveForever() was called in, after awaits too', async () => {
    const server = resources.server(
      await LineServer.create(StoreHandler, { strategy: new AsyncStrategy() }),
    );
    void user.run('serving', () => server.serveForever());
    const answers = await Promise.all(
      [1, 2, 3].map(() => resources.exchange(server.serverAddress)),
    );
    expect(answers.map((a) => a.data)).toEqual([
      'serving/serving',
      'serving/serving',
      'serving/serving',
    ]);
  });

  it('a request started from another context sees that one, not the scope shared before', async () => {
    const server = {};
    expect(await user.run('a', () => seen(server))).toBe('req:a/a');
    expect(await user.run('a', () => seen(server))).toBe('req:a/a');
    expect(await user.run('b', () => seen(server))).toBe('req:b/b');
    expect(await seen(server)).toBe('req:undefined/undefined');
    // A store entered after the context was shared (enterWith inside it) is seen too.
    const inner = await user.run('c', async () => {
      const first = await seen(server);
      user.enterWith('d');
      return `${first} ${await seen(server)}`;
    });
    expect(inner).toBe('req:c/c req:d/d');
  });

  it.skipIf(!FRAMES)('requests started from one context share one scope', async () => {
    const server = {};
    const scopeId = () => runInRequestOf(server, async () => executionAsyncId(), null);
    const [first, second] = [await scopeId(), await scopeId()];
    expect(second).toBe(first);
    const other = await user.run('other', scopeId);
    expect(other).not.toBe(first);
    // Another server: its own scope, even from the same context.
    expect(await runInRequestOf({}, async () => executionAsyncId(), null)).not.toBe(first);
  });

  it("leaves the caller's own context as it was", async () => {
    const server = {};
    await user.run('outer', async () => {
      await seen(server);
      expect(user.getStore()).toBe('outer');
      await seen(server);
      expect(user.getStore()).toBe('outer');
    });
  });
});
