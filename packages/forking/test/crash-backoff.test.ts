/**
 * Crash loops with real child processes, in pool mode: a client (127.0.0.1) whose requests
 * call `process.exit()` backs off after 5 crashes in a row — its requests are refused
 * (closed unanswered, counted, reported) while another client (127.0.0.2) is served by the
 * same children; children that die outside any request restart at most once per
 * `crashBackoff` after 5 in a row. Waits on the reports (`onChildExit`, the diagnostics
 * channels), never on sleeps.
 */
import diagnostics from 'node:diagnostics_channel';
import type { ForkingServerOptions } from '@sockserve/forking';
import type { TCPServerOptions } from '@sockserve/tcp';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { askFrom } from './fixtures/ask-from.ts';
import { ExitsAfterLoadHandler } from './fixtures/exits-after-load.ts';
import { CrashHandler } from './fixtures/handlers.ts';
import { closeServersAfterEach, serve } from './fixtures/servers.ts';

closeServersAfterEach();

type Event = Record<string, unknown> & { at: number };
const clientEvents: Event[] = [];
const poolEvents: Event[] = [];
const onClient = (message: unknown) =>
  clientEvents.push({ ...(message as object), at: performance.now() });
let poolEventSeen = () => {};
const onPool = (message: unknown) => {
  poolEvents.push({ ...(message as object), at: performance.now() });
  poolEventSeen();
};
diagnostics.subscribe('sockserve:client.backoff', onClient);
diagnostics.subscribe('sockserve:runner.backoff', onPool);
afterAll(() => {
  diagnostics.unsubscribe('sockserve:client.backoff', onClient);
  diagnostics.unsubscribe('sockserve:runner.backoff', onPool);
});
beforeEach(() => {
  clientEvents.length = 0;
  poolEvents.length = 0;
});

/**
 * A server whose child exits are recorded; `crashed()` resolves at the next one. `onExit`
 * runs at each exit (with how many there were) before the pool reacts to it.
 */
async function serveRecorded(
  Handler: typeof CrashHandler | typeof ExitsAfterLoadHandler,
  options: ForkingServerOptions & TCPServerOptions,
  onExit: (count: number) => void = () => {},
) {
  const exits: Array<{ reason: string; at: number }> = [];
  let next: (() => void) | undefined;
  const { server } = await serve(Handler, {
    logger: { error: () => {}, warn: () => {} },
    ...options,
    onChildExit: (_child, reason) => {
      exits.push({ reason, at: performance.now() });
      onExit(exits.length);
      next?.();
    },
  });
  server.handleError = () => {};
  const port = (server.serverAddress as { port: number }).port;
  const crashed = () =>
    new Promise<void>((resolve) => {
      next = resolve;
    });
  const stats = () => server.crashStats;
  return { server, port, exits, crashed, stats };
}

describe('crash-loop back-off (child processes)', () => {
  it('a client whose requests crashed 5 children in a row is refused; another client is served', async () => {
    const warnings: string[] = [];
    const { port, exits, crashed, stats } = await serveRecorded(CrashHandler, {
      maxChildren: 2,
      crashBackoff: 60_000,
      logger: { error: () => {}, warn: (_fields, message) => warnings.push(message) },
    });
    for (let n = 0; n < 5; n++) {
      const reported = crashed();
      expect(await askFrom(port, '127.0.0.1', 'exit')).toBe('');
      await reported;
    }
    expect(exits.map((e) => e.reason)).toEqual(Array(5).fill('exited with code 3'));
    expect(clientEvents).toEqual([
      expect.objectContaining({
        strategy: 'forking',
        runner: expect.stringMatching(/^child \d+$/),
        client: '127.0.0.1',
        crashes: 5,
        delayMs: 60_000,
      }),
    ]);
    expect(warnings).toEqual([
      expect.stringMatching(
        /^sockserve: client 127\.0\.0\.1 backs off: its requests crashed 5 children in a row \(child \d+ last\); its requests are refused for 60 s/,
      ),
    ]);
    expect(await askFrom(port, '127.0.0.1', 'hello')).toBe('');
    expect(await askFrom(port, '127.0.0.2', 'hello')).toMatch(/^ok \d+\n$/);
    expect(await askFrom(port, '127.0.0.2', 'hello')).toMatch(/^ok \d+\n$/);
    expect(exits).toHaveLength(5);
    expect(stats()).toEqual({
      crashes: 5,
      attributed: 5,
      clientBackoffs: 1,
      refused: 1,
      poolBackoffs: 0,
    });
  });

  it('children dying outside any request restart at most once per crashBackoff after 5 in a row', async () => {
    // The loop ends at the 8th exit: children started after it load soundly, so exactly 8
    // exits are seen however late this test's awaits resume.
    const { port, exits, crashed, stats } = await serveRecorded(
      ExitsAfterLoadHandler,
      { maxChildren: 1, crashBackoff: 300 },
      (count) => {
        if (count === 8) delete process.env.SOCKSERVE_TEST_EXIT_AFTER_LOAD;
      },
    );
    // From now on every new child dies right after loading; a request crashes the first.
    process.env.SOCKSERVE_TEST_EXIT_AFTER_LOAD = '1';
    try {
      const first = crashed();
      expect(await askFrom(port, '127.0.0.2', 'exit')).toBe('');
      await first;
      while (exits.length < 8) await crashed();
    } finally {
      delete process.env.SOCKSERVE_TEST_EXIT_AFTER_LOAD;
    }
    expect(exits.map((e) => e.reason)).toEqual([
      'exited with code 3',
      ...Array(7).fill('exited with code 5'),
    ]);
    expect(poolEvents.slice(0, 3).map((e) => [e.crashes, e.windowMs])).toEqual([
      [5, 300],
      [6, 300],
      [7, 300],
    ]);
    // Each crash after the 5th idle one came from a child started no sooner than announced.
    for (let k = 5; k < 7; k++) {
      const delay = (poolEvents[k - 5] as Event).delayMs as number;
      expect((exits[k + 1]?.at ?? 0) - (exits[k]?.at ?? 0)).toBeGreaterThanOrEqual(delay - 1);
    }
    expect(stats()).toMatchObject({ attributed: 1 });
  });

  it('children that can no longer load the handler back off too (the classic crash loop)', async () => {
    const { port, exits, crashed } = await serveRecorded(ExitsAfterLoadHandler, {
      maxChildren: 1,
      crashBackoff: 300,
    });
    process.env.SOCKSERVE_TEST_EXIT_AFTER_LOAD = 'throw';
    try {
      const first = crashed();
      expect(await askFrom(port, '127.0.0.2', 'exit')).toBe('');
      await first;
      while (poolEvents.length < 3) {
        await new Promise<void>((resolve) => {
          poolEventSeen = resolve;
        });
      }
    } finally {
      delete process.env.SOCKSERVE_TEST_EXIT_AFTER_LOAD;
    }
    // A load failure is not reported as a crash (onChildExit), only counted by the policy.
    expect(exits.map((e) => e.reason)).toEqual(['exited with code 3']);
    expect(poolEvents.slice(0, 3).map((e) => [e.crashes, e.windowMs])).toEqual([
      [5, 300],
      [6, 300],
      [7, 300],
    ]);
    for (let k = 0; k < 2; k++) {
      const [prev, next] = [poolEvents[k], poolEvents[k + 1]] as [Event, Event];
      expect(next.at - prev.at).toBeGreaterThanOrEqual((prev.delayMs as number) - 1);
    }
  });
});
