/**
 * Crash loops with real worker threads. A client (127.0.0.1) whose requests call
 * `process.exit()` backs off after 5 crashes in a row: its requests are refused (closed
 * unanswered, counted) while another client (127.0.0.2) is served; after `crashBackoff` ms it
 * gets one probe; a probe that crashes refuses it again, one that succeeds clears it. Workers
 * that die outside any request (a fault of the handler module) restart at most once per
 * `crashBackoff` after 5 in a row. Periods are options, so the tests set them; they wait on
 * the reports (`onWorkerExit`, the diagnostics channels), never on sleeps.
 */
import diagnostics from 'node:diagnostics_channel';
import { TCPServer, type TCPServerOptions } from '@sockserve/tcp';
import { ThreadingMixIn, type ThreadingOptions } from '@sockserve/threading';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { askFrom } from './fixtures/ask-from.ts';
import { ExitsAfterLoadHandler } from './fixtures/exits-after-load.ts';
import { CrashHandler } from './fixtures/handlers.ts';

class ThreadingTCPServer extends ThreadingMixIn(TCPServer) {}

type Event = Record<string, unknown> & { at: number };
const clientEvents: Event[] = [];
const poolEvents: Event[] = [];
const onClient = (message: unknown) =>
  clientEvents.push({ ...(message as object), at: performance.now() });
const onPool = (message: unknown) =>
  poolEvents.push({ ...(message as object), at: performance.now() });
diagnostics.subscribe('sockserve:client.backoff', onClient);
diagnostics.subscribe('sockserve:runner.backoff', onPool);
afterAll(() => {
  diagnostics.unsubscribe('sockserve:client.backoff', onClient);
  diagnostics.unsubscribe('sockserve:runner.backoff', onPool);
});

const open: ThreadingTCPServer[] = [];
beforeEach(() => {
  clientEvents.length = 0;
  poolEvents.length = 0;
});
afterEach(async () => {
  for (const server of open.splice(0)) {
    server.daemonThreads = true;
    await server.shutdown();
    await server.serverClose();
  }
});

/**
 * A server whose worker exits are recorded; `crashed()` resolves at the next one. `onExit`
 * runs at each exit (with how many there were) before the pool reacts to it.
 */
async function serve(
  Handler: typeof CrashHandler | typeof ExitsAfterLoadHandler,
  options: ThreadingOptions & TCPServerOptions,
  onExit: (count: number) => void = () => {},
) {
  const exits: Array<{ reason: string; at: number }> = [];
  let next: (() => void) | undefined;
  const server = await ThreadingTCPServer.create({ host: '127.0.0.1', port: 0 }, Handler, {
    ...options,
    onWorkerExit: (_worker, reason) => {
      exits.push({ reason, at: performance.now() });
      onExit(exits.length);
      next?.();
    },
  });
  open.push(server);
  server.handleError = () => {};
  server.serveForever().catch(() => {});
  const port = (server.serverAddress as { port: number }).port;
  const crashed = () =>
    new Promise<void>((resolve) => {
      next = resolve;
    });
  const stats = () => server.crashStats;
  return { server, port, exits, crashed, stats };
}

/**
 * Resolves once no request of `server` is in flight. A client can read its answer before the
 * worker's report that the request ended reaches the server (always possible, and usual when
 * the bytes are relayed, as on Node 22): until then a probe is still running, so the client's
 * next request would be refused and a count at close would miss it.
 */
function allEnded(server: ThreadingTCPServer): Promise<void> {
  if (server.inFlight === 0) return Promise.resolve();
  return new Promise((resolve) => {
    const onEnd = () => {
      if (server.inFlight !== 0) return;
      diagnostics.unsubscribe('sockserve:request.end', onEnd);
      resolve();
    };
    diagnostics.subscribe('sockserve:request.end', onEnd);
  });
}

/** Sends `exit` from `from` and waits until the pool heard of the worker's death. */
async function crashFrom(port: number, from: string, crashed: () => Promise<void>) {
  const reported = crashed();
  expect(await askFrom(port, from, 'exit')).toBe('');
  await reported;
}

describe('crash-loop back-off (worker threads)', () => {
  it('a client whose requests crashed 5 workers in a row is refused and reported; another client is served', async () => {
    const warnings: Array<{ fields: object; message: string }> = [];
    const logger = {
      error: () => {},
      warn: (fields: object, message: string) => warnings.push({ fields, message }),
    };
    const { server, port, exits, crashed, stats } = await serve(CrashHandler, {
      maxWorkers: 2,
      crashBackoff: 60_000,
      logger,
    });
    for (let n = 0; n < 4; n++) await crashFrom(port, '127.0.0.1', crashed);
    expect(clientEvents).toEqual([]);
    await crashFrom(port, '127.0.0.1', crashed);
    expect(exits.map((e) => e.reason)).toEqual(Array(5).fill('exited with code 3'));
    expect(clientEvents).toEqual([
      expect.objectContaining({
        server,
        strategy: 'threading',
        runner: expect.stringMatching(/^worker \d+$/),
        client: '127.0.0.1',
        crashes: 5,
        delayMs: 60_000,
        refused: 0,
      }),
    ]);
    expect(warnings).toEqual([
      {
        fields: expect.objectContaining({ client: '127.0.0.1', crashes: 5, delayMs: 60_000 }),
        message: expect.stringMatching(
          /^sockserve: client 127\.0\.0\.1 backs off: its requests crashed 5 workers in a row \(worker \d+ last\); its requests are refused for 60 s, then run one at a time until one succeeds$/,
        ),
      },
    ]);
    // Refused: closed unanswered, no worker started for it.
    expect(await askFrom(port, '127.0.0.1', 'hello')).toBe('');
    expect(await askFrom(port, '127.0.0.2', 'hello')).toMatch(/^ok worker \d+\n$/);
    expect(exits).toHaveLength(5);
    expect(stats()).toEqual({
      crashes: 5,
      attributed: 5,
      clientBackoffs: 1,
      refused: 1,
      poolBackoffs: 0,
    });
    await allEnded(server);
    server.daemonThreads = true;
    await server.shutdown();
    const report = await server.serverClose();
    expect(report).toMatchObject({ accepted: 7, finished: 6, failed: 5, refused: 1 });
  });

  it('after crashBackoff one probe runs: a crash refuses the client again, a success clears it', async () => {
    const { server, port, exits, crashed } = await serve(CrashHandler, {
      maxWorkers: 2,
      crashBackoff: 250,
      logger: { error: () => {}, warn: () => {} },
    });
    for (let n = 0; n < 5; n++) await crashFrom(port, '127.0.0.1', crashed);
    const [first] = clientEvents as [Event];
    // Refused until the window passed; the first request after it (the probe) crashes again.
    const probeCrashed = crashed();
    while (exits.length === 5) await askFrom(port, '127.0.0.1', 'exit');
    await probeCrashed;
    const second = clientEvents[1] as Event;
    expect(second).toMatchObject({ client: '127.0.0.1', crashes: 6, delayMs: 250 });
    expect(second.at - first.at).toBeGreaterThanOrEqual(250 - 1);
    // The next probe succeeds: the client is cleared, and a crash now starts a new row.
    let answer = '';
    while (answer === '') answer = await askFrom(port, '127.0.0.1', 'hello');
    expect(answer).toMatch(/^ok worker \d+\n$/);
    expect(performance.now() - second.at).toBeGreaterThanOrEqual(250 - 1);
    await allEnded(server); // the probe has ended: the client is cleared
    await crashFrom(port, '127.0.0.1', crashed);
    expect(await askFrom(port, '127.0.0.1', 'hello')).toMatch(/^ok worker \d+\n$/);
    expect(clientEvents).toHaveLength(2);
  });

  it('workers dying outside any request restart at most once per crashBackoff after 5 in a row, with a warning', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error & { code?: string }) => {
      if (warning.code === 'SOCKSERVE_CRASH_BACKOFF') warnings.push(warning.message);
    };
    process.on('warning', onWarning);
    try {
      // The loop ends at the 9th exit: workers started after it load soundly, so exactly 9
      // exits and 4 pool back-offs are seen however late this test's awaits resume.
      const { port, exits, crashed, stats } = await serve(
        ExitsAfterLoadHandler,
        { maxWorkers: 1, crashBackoff: 200 },
        (count) => {
          if (count === 9) delete process.env.SOCKSERVE_TEST_EXIT_AFTER_LOAD;
        },
      );
      // From now on every new worker dies right after loading; a request crashes the first.
      process.env.SOCKSERVE_TEST_EXIT_AFTER_LOAD = '1';
      await crashFrom(port, '127.0.0.2', crashed);
      while (exits.length < 9) await crashed();
      expect(exits.map((e) => e.reason)).toEqual([
        'exited with code 3',
        ...Array(8).fill('exited with code 5'),
      ]);
      expect(poolEvents.map((e) => e.crashes)).toEqual([5, 6, 7, 8]);
      // Each crash after the 5th idle one came from a worker started no sooner than announced.
      for (let k = 5; k < 8; k++) {
        const delay = (poolEvents[k - 5] as Event).delayMs as number;
        expect(delay).toBeLessThanOrEqual(200);
        expect((exits[k + 1]?.at ?? 0) - (exits[k]?.at ?? 0)).toBeGreaterThanOrEqual(delay - 1);
      }
      expect(stats()).toMatchObject({ crashes: 9, attributed: 1, poolBackoffs: 4 });
      await new Promise(setImmediate); // process warnings are emitted on the next tick
      expect(warnings[0]).toMatch(
        /^sockserve: 5 workers in a row died outside any request \(worker \d+ last\): at most one starts per 200 ms, the next in \d+ ms$/,
      );
    } finally {
      process.off('warning', onWarning);
      delete process.env.SOCKSERVE_TEST_EXIT_AFTER_LOAD;
    }
  });
});
