import { describe, expect, it, vi } from 'vitest';
import { SequentialStrategy } from '../src/index.js';
import { GatedHandler, scriptPerTest } from './fixtures/gated-handler.js';
import { LineServer } from './fixtures/line-server.js';
import { readAll, useResources } from './fixtures/net.js';

const resources = useResources();
const script = scriptPerTest(resources);

describe('SequentialStrategy', () => {
  it('is named sequential and reports no active request when idle', () => {
    const strategy = new SequentialStrategy();
    expect(strategy.name).toBe('sequential');
    expect(strategy.active).toBe(0);
  });

  it('with two clients at once, the second handler starts only after the first finished', async () => {
    const strategy = new SequentialStrategy();
    const server = resources.server(await LineServer.create(GatedHandler, { strategy }));
    void server.serveForever();
    const first = readAll(await resources.client(server.serverAddress));
    const second = readAll(await resources.client(server.serverAddress));
    await script().step(0).started.promise;
    // Both connections are accepted while the first request runs.
    await vi.waitFor(() => expect(server.stats.accepted).toBe(2), { timeout: 10_000 });
    expect(strategy.active).toBe(1);
    expect(script().log).toEqual(['start 0']);

    script().step(0).release.resolve();
    await script().step(1).started.promise;
    script().step(1).release.resolve();

    expect((await first).data).toBe('done 0\n');
    expect((await second).data).toBe('done 1\n');
    expect(script().log).toEqual(['start 0', 'end 0', 'start 1', 'end 1']);
    await vi.waitFor(() => expect(strategy.active).toBe(0), { timeout: 10_000 });
  });

  it('resets connections beyond queueCapacity, counts them, and serves the queued ones', async () => {
    const server = resources.server(await LineServer.create(GatedHandler, { queueCapacity: 1 }));
    void server.serveForever();

    // Client 0 is taken by the serve loop and blocks in its handler.
    const first = readAll(await resources.client(server.serverAddress));
    await script().step(0).started.promise;
    // Client 1 waits in the queue (capacity 1).
    const second = readAll(await resources.client(server.serverAddress));
    await vi.waitFor(() => expect(server.stats.accepted).toBe(2), { timeout: 10_000 });
    // Clients 2 and 3 find the queue full.
    const third = readAll(resources.connecting(server.serverAddress));
    await vi.waitFor(() => expect(server.stats.refused).toBe(1), { timeout: 10_000 });
    const fourth = readAll(resources.connecting(server.serverAddress));
    await vi.waitFor(() => expect(server.stats.refused).toBe(2), { timeout: 10_000 });

    for (const refused of [await third, await fourth]) {
      expect(refused.data).toBe('');
      if (refused.error !== undefined) expect(refused.error.code).toBe('ECONNRESET');
    }
    expect(script().log).toEqual(['start 0']);

    script().step(0).release.resolve();
    script().step(1).release.resolve();
    expect((await first).data).toBe('done 0\n');
    expect((await second).data).toBe('done 1\n');
    expect(script().log).toEqual(['start 0', 'end 0', 'start 1', 'end 1']);
    expect(server.stats).toMatchObject({ accepted: 2, refused: 2 });
  });

  it('after the queue drained, new connections are accepted again', async () => {
    const server = resources.server(await LineServer.create(GatedHandler, { queueCapacity: 1 }));
    void server.serveForever();
    const first = readAll(await resources.client(server.serverAddress));
    await script().step(0).started.promise;
    const second = readAll(await resources.client(server.serverAddress));
    await vi.waitFor(() => expect(server.stats.accepted).toBe(2), { timeout: 10_000 });
    const refused = readAll(resources.connecting(server.serverAddress));
    await vi.waitFor(() => expect(server.stats.refused).toBe(1), { timeout: 10_000 });
    expect((await refused).data).toBe('');

    script().step(0).release.resolve();
    // The loop takes client 1 off the queue: there is room for one again.
    await script().step(1).started.promise;
    const third = readAll(await resources.client(server.serverAddress));
    await vi.waitFor(() => expect(server.stats.accepted).toBe(3), { timeout: 10_000 });
    script().step(1).release.resolve();
    script().step(2).release.resolve();
    expect((await first).data).toBe('done 0\n');
    expect((await second).data).toBe('done 1\n');
    expect((await third).data).toBe('done 2\n');
    expect(server.stats.refused).toBe(1);
  });
});
