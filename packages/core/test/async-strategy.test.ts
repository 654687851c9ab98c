import type { Socket } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import {
  AsyncStrategy,
  type AsyncStrategyOptions,
  BaseRequestHandler,
  InvalidOptionError,
} from '../src/index.js';
import { GatedHandler, scriptPerTest } from './fixtures/gated-handler.js';
import { LineServer } from './fixtures/line-server.js';
import { connectOutcome, readAll, settlesWithin, useResources } from './fixtures/net.js';

const resources = useResources();
const script = scriptPerTest(resources);

function invalidOption(options: unknown): InvalidOptionError {
  try {
    new AsyncStrategy(options as AsyncStrategyOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOptionError);
    return error as InvalidOptionError;
  }
  throw new Error('expected an InvalidOptionError');
}

async function serve(options: AsyncStrategyOptions = {}) {
  const strategy = new AsyncStrategy(options);
  const server = resources.server(await LineServer.create(GatedHandler, { strategy }));
  const loop = server.serveForever();
  loop.catch(() => {});
  return { server, strategy, loop };
}

describe('AsyncStrategy options', () => {
  it('defaults: unbounded, blockOnClose true, named async', () => {
    const strategy = new AsyncStrategy();
    expect(strategy.name).toBe('async');
    expect(strategy.maxInFlight).toBe(Number.POSITIVE_INFINITY);
    expect(strategy.blockOnClose).toBe(true);
    expect(strategy.active).toBe(0);
    const capped = new AsyncStrategy({ maxInFlight: 3, blockOnClose: false });
    expect(capped.maxInFlight).toBe(3);
    expect(capped.blockOnClose).toBe(false);
  });

  it.each([
    ['0', 0],
    ['1.5', 1.5],
    ["'2'", '2'],
    ['-1', -1],
    ['null', null],
  ])('rejects maxInFlight %s', (_label, maxInFlight) => {
    const error = invalidOption({ maxInFlight });
    expect(error.code).toBe('ERR_SOCKSERVE_INVALID_OPTION');
    expect(error.option).toBe('maxInFlight');
    expect(error.message).toContain('option "maxInFlight" must be an integer >= 1');
  });

  it('rejects a non-boolean blockOnClose', () => {
    const error = invalidOption({ blockOnClose: 'yes' });
    expect(error.option).toBe('blockOnClose');
  });

  it('rejects an unknown option with a message naming it', () => {
    const error = invalidOption({ maxInflight: 2 });
    expect(error.option).toBe('maxInflight');
    expect(error.message).toBe(
      'unknown option "maxInflight" for AsyncStrategy; known options: maxInFlight, blockOnClose',
    );
  });
});

describe('AsyncStrategy on a server', () => {
  it('runs two slow handlers at once', async () => {
    const { server, strategy } = await serve();
    const first = readAll(await resources.client(server.serverAddress));
    const second = readAll(await resources.client(server.serverAddress));
    // Both start while neither is released: they overlap.
    await Promise.all([script().step(0).started.promise, script().step(1).started.promise]);
    expect(script().log).toEqual(['start 0', 'start 1']);
    expect(strategy.active).toBe(2);

    script().step(1).release.resolve();
    expect((await second).data).toBe('done 1\n');
    script().step(0).release.resolve();
    expect((await first).data).toBe('done 0\n');
    expect(script().log).toEqual(['start 0', 'start 1', 'end 1', 'end 0']);
    await vi.waitFor(() => expect(strategy.active).toBe(0), { timeout: 10_000 });
  });

  it('maxInFlight: 1 runs requests one at a time', async () => {
    const { server, strategy } = await serve({ maxInFlight: 1 });
    const first = readAll(await resources.client(server.serverAddress));
    const second = readAll(await resources.client(server.serverAddress));
    await script().step(0).started.promise;
    await vi.waitFor(() => expect(server.stats.accepted).toBe(2), { timeout: 10_000 });
    expect(strategy.active).toBe(1);
    expect(script().log).toEqual(['start 0']);

    script().step(0).release.resolve();
    await script().step(1).started.promise;
    script().step(1).release.resolve();
    expect((await first).data).toBe('done 0\n');
    expect((await second).data).toBe('done 1\n');
    expect(script().log).toEqual(['start 0', 'end 0', 'start 1', 'end 1']);
  });

  it('maxInFlight: 2 lets two run and holds the third until one finishes', async () => {
    const { server, strategy } = await serve({ maxInFlight: 2 });
    const replies = [];
    for (let i = 0; i < 3; i += 1)
      replies.push(readAll(await resources.client(server.serverAddress)));
    await Promise.all([script().step(0).started.promise, script().step(1).started.promise]);
    await vi.waitFor(() => expect(server.stats.accepted).toBe(3), { timeout: 10_000 });
    expect(strategy.active).toBe(2);
    expect(script().log).toEqual(['start 0', 'start 1']);

    script().step(1).release.resolve();
    await script().step(2).started.promise;
    expect(script().log).toEqual(['start 0', 'start 1', 'end 1', 'start 2']);
    script().step(0).release.resolve();
    script().step(2).release.resolve();
    expect((await Promise.all(replies)).map((r) => r.data)).toEqual([
      'done 0\n',
      'done 1\n',
      'done 2\n',
    ]);
  });

  it('blockOnClose true: serverClose() waits for a running handler', async () => {
    const { server, loop } = await serve({ blockOnClose: true });
    const reply = readAll(await resources.client(server.serverAddress));
    await script().step(0).started.promise;

    const closing = server.serverClose().then(() => script().log.push('closed'));
    // The listener is closed at once; the running request keeps serverClose() waiting.
    expect(await connectOutcome(server.serverAddress)).toBe('ECONNREFUSED');
    await expect(loop).resolves.toBeUndefined();
    expect(script().log).toEqual(['start 0']);

    script().step(0).release.resolve();
    await closing;
    expect(script().log).toEqual(['start 0', 'end 0', 'closed']);
    expect((await reply).data).toBe('done 0\n');
  });

  it('blockOnClose false: serverClose() returns while a handler still runs', async () => {
    const { server, strategy, loop } = await serve({ blockOnClose: false });
    const reply = readAll(await resources.client(server.serverAddress));
    await script().step(0).started.promise;

    await server.serverClose();
    await expect(loop).resolves.toBeUndefined();
    expect(script().log).toEqual(['start 0']);
    expect(strategy.active).toBe(1);
    expect(await connectOutcome(server.serverAddress)).toBe('ECONNREFUSED');

    // The handler still owns its connection and finishes normally.
    script().step(0).release.resolve();
    expect((await reply).data).toBe('done 0\n');
    expect(script().log).toEqual(['start 0', 'end 0']);
    await vi.waitFor(() => expect(strategy.active).toBe(0), { timeout: 10_000 });
  });

  it('shutdown() from inside a handler resolves at once; the loop ends while the handler runs', async () => {
    const events: string[] = [];
    const release = Promise.withResolvers<void>();
    resources.defer(() => release.resolve());
    class ShutdownHandler extends BaseRequestHandler<Socket, LineServer> {
      override async handle() {
        events.push('handler start');
        await this.server.shutdown();
        events.push('shutdown returned');
        await release.promise;
        await new Promise<void>((resolve) => this.request.end('stopped\n', resolve));
        events.push('handler end');
      }
    }
    const strategy = new AsyncStrategy();
    const server = resources.server(await LineServer.create(ShutdownHandler, { strategy }));
    const loop = server.serveForever().then(() => events.push('loop done'));
    const reply = readAll(await resources.client(server.serverAddress));

    await loop;
    expect(events).toEqual(['handler start', 'shutdown returned', 'loop done']);
    expect(strategy.active).toBe(1);
    release.resolve();
    expect((await reply).data).toBe('stopped\n');
    expect(events).toEqual(['handler start', 'shutdown returned', 'loop done', 'handler end']);
    // The server stays bound: shutdown() only stops the loop.
    await server.serverClose();
  });

  it('blockOnClose false with maxInFlight reached: serverClose() returns while the handler runs', async () => {
    const { server } = await serve({ maxInFlight: 1, blockOnClose: false });
    const reply = readAll(await resources.client(server.serverAddress));
    await script().step(0).started.promise;
    // Python's block_on_close = False: server_close() does not wait for running requests.
    const outcome = await settlesWithin(server.serverClose(), 1000);
    script().step(0).release.resolve();
    await reply;
    expect(outcome).toBe('settled');
  });

  it('serverClose() awaited inside a handler resolves (it does not wait for its caller)', async () => {
    // Wrapped: resolving with the promise itself would adopt its (never settling) state.
    const inner = Promise.withResolvers<{ closing: Promise<unknown> }>();
    class CloseInsideHandler extends BaseRequestHandler<Socket, LineServer> {
      override async handle() {
        const closing = this.server.serverClose();
        inner.resolve({ closing });
        await closing;
        await new Promise<void>((resolve) => this.request.end('closed\n', resolve));
      }
    }
    const server = await LineServer.create(CloseInsideHandler, { strategy: new AsyncStrategy() });
    const loop = server.serveForever();
    const socket = await resources.client(server.serverAddress);
    const reply = readAll(socket);
    const { closing } = await inner.promise;
    // The loop ends and the listener is closed...
    await loop;
    expect(await connectOutcome(server.serverAddress)).toBe('ECONNREFUSED');
    // ...but serverClose() waits for all running requests, this one included: a deadlock.
    const outcome = await settlesWithin(closing, 10_000);
    socket.destroy();
    await reply;
    expect(outcome).toBe('settled');
  });
});
