/**
 * `sharedRequestScope: false`: each request of the server runs in an async resource of its
 * own (its own `executionAsyncId()` / `executionAsyncResource()`), still in its caller's
 * context plus the server's mark. The default shares one per caller context (Node 24+).
 */
import { executionAsyncId, executionAsyncResource } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import { AsyncStrategy, InvalidOptionError } from '../src/index.js';
import { runInRequestOf } from '../src/request-context.js';
import { LineServer } from './fixtures/line-server.js';
import { useResources } from './fixtures/net.js';
import { FRAMES, StoreHandler, user } from './fixtures/request-scope.js';

const resources = useResources();

/** The async id and resource two requests of `server` start in, from one caller context. */
async function twoScopes(server: object): Promise<[unknown, unknown][]> {
  const scope = () =>
    runInRequestOf(
      server,
      async (): Promise<[unknown, unknown]> => [executionAsyncId(), executionAsyncResource()],
      null,
    );
  return [await scope(), await scope()];
}

describe('sharedRequestScope', () => {
  it('false: every request gets an async resource of its own', async () => {
    const server = new LineServer(StoreHandler, {
      bindAndActivate: false,
      sharedRequestScope: false,
    });
    const [first, second] = await twoScopes(server);
    expect(second?.[0]).not.toBe(first?.[0]);
    expect(second?.[1]).not.toBe(first?.[1]);
  });

  it.skipIf(!FRAMES)('default (true): requests from one context share one resource', async () => {
    const server = new LineServer(StoreHandler, { bindAndActivate: false });
    const [first, second] = await twoScopes(server);
    expect(second?.[0]).toBe(first?.[0]);
    expect(second?.[1]).toBe(first?.[1]);
  });

  it("false: handlers still run in serveForever()'s context, marked as the server's", async () => {
    const server = resources.server(
      await LineServer.create(StoreHandler, {
        strategy: new AsyncStrategy(),
        sharedRequestScope: false,
      }),
    );
    void user.run('serving', () => server.serveForever());
    const answers = await Promise.all([1, 2].map(() => resources.exchange(server.serverAddress)));
    expect(answers.map((a) => a.data)).toEqual(['serving/serving', 'serving/serving']);
  });

  it('is checked before anything is bound: a boolean only', () => {
    let error: unknown;
    try {
      new LineServer(StoreHandler, { sharedRequestScope: 'no' as unknown as boolean });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as InvalidOptionError).code).toBe('ERR_SOCKSERVE_INVALID_OPTION');
    expect((error as InvalidOptionError).message).toContain('sharedRequestScope');
  });
});
