/**
 * The serve loop's callback path for the built-in sequential strategy
 * (`RequestPipeline.handleThen` → `SequentialStrategy.runThen`): no promise per request, the
 * next queued request taken from the release itself. Real TCP connections on 127.0.0.1.
 */
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BaseRequestHandler, SequentialStrategy, type SocketAddress } from '../src/index.js';
import { isInRequestOf } from '../src/request-context.js';
import { GatedHandler, scriptPerTest } from './fixtures/gated-handler.js';
import { LineServer } from './fixtures/line-server.js';
import { readAll, useResources } from './fixtures/net.js';

const resources = useResources();
const script = scriptPerTest(resources);

afterEach(() => {
  vi.restoreAllMocks();
});

/** Notes, for each request, whether its `verifyRequest` ran marked as one of its requests. */
class MarkNotingServer extends LineServer {
  readonly verifiedInRequest: boolean[] = [];

  override verifyRequest(request: Socket, clientAddress: SocketAddress): boolean {
    this.verifiedInRequest.push(isInRequestOf(this));
    return super.verifyRequest(request, clientAddress) as boolean;
  }
}

/**
 * Serves `server`, connects four clients — the first served at once, the other three waiting in
 * the queue behind it — releases the gated requests in turn (each starts only once the one before
 * ended) and checks each client got its own answer.
 */
async function serveFourInTurn(server: LineServer): Promise<void> {
  void server.serveForever();
  const clients = [readAll(await resources.client(server.serverAddress))];
  await script().step(0).started.promise;
  for (let n = 1; n < 4; n += 1)
    clients.push(readAll(await resources.client(server.serverAddress)));
  await vi.waitFor(() => expect(server.stats.accepted).toBe(4), { timeout: 10_000 });
  for (let n = 0; n < 4; n += 1) {
    await script().step(n).started.promise;
    expect(script().log.at(-1)).toBe(`start ${n}`);
    script().step(n).release.resolve();
  }
  const results = await Promise.all(clients);
  expect(results.map((r) => r.data)).toEqual(['done 0\n', 'done 1\n', 'done 2\n', 'done 3\n']);
}

describe('the sequential serve loop without a promise per request', () => {
  it('hands every request to runThen (not run) and serves the queued ones in order, one at a time', async () => {
    const run = vi.spyOn(SequentialStrategy.prototype, 'run');
    const runThen = vi.spyOn(SequentialStrategy.prototype, 'runThen');
    const server = resources.server(await MarkNotingServer.create(GatedHandler));
    await serveFourInTurn(server);
    expect(script().log).toEqual([
      ...['start 0', 'end 0', 'start 1', 'end 1'],
      ...['start 2', 'end 2', 'start 3', 'end 3'],
    ]);
    expect(runThen).toHaveBeenCalledTimes(4);
    expect(run).not.toHaveBeenCalled();
    await vi.waitFor(() => expect(server.strategy.active).toBe(0), { timeout: 10_000 });
    // Requests 1–3 started from request 0–2's release, inside that request's handler: their
    // hooks still run in the loop's context, as request 0's (handed over from the accept).
    // Marked as the server's (the core README) where Node can compare async frames (>= 24);
    // on Node 22, unmarked — the same for every request either way.
    const marked = Number(process.versions.node.split('.')[0]) >= 24;
    expect(server.verifiedInRequest).toEqual([marked, marked, marked, marked]);
  });

  it('keeps the run() promise when processRequest() is overridden, in the same order', async () => {
    const run = vi.spyOn(SequentialStrategy.prototype, 'run');
    const runThen = vi.spyOn(SequentialStrategy.prototype, 'runThen');
    const processed: number[] = [];
    class Overriding extends LineServer {
      override processRequest(request: Socket, clientAddress: SocketAddress): Promise<void> {
        processed.push(processed.length);
        return super.processRequest(request, clientAddress);
      }
    }
    const server = resources.server(await Overriding.create(GatedHandler));
    await serveFourInTurn(server);
    expect(processed).toEqual([0, 1, 2, 3]);
    expect(run).toHaveBeenCalledTimes(4);
    expect(runThen).not.toHaveBeenCalled();
  });

  it('goes on at once past requests released before runThen returned (none lost)', async () => {
    const gate = Promise.withResolvers<void>();
    let served = 0;
    /** The first request waits for the gate; every later one answers and ends synchronously. */
    class SyncAfterFirst extends BaseRequestHandler<Socket> {
      override handle(): void | Promise<void> {
        served += 1;
        if (served === 1) return gate.promise.then(() => void this.request.write('first\n'));
        this.request.write('sync\n');
      }
    }
    resources.defer(() => gate.resolve());
    const count = 40;
    const server = resources.server(await LineServer.create(SyncAfterFirst, { queueCapacity: 64 }));
    void server.serveForever();
    const clients = [readAll(await resources.client(server.serverAddress))];
    await vi.waitFor(() => expect(served).toBe(1), { timeout: 10_000 });
    for (let n = 1; n < count; n += 1)
      clients.push(readAll(await resources.client(server.serverAddress)));
    await vi.waitFor(() => expect(server.stats.accepted).toBe(count), { timeout: 10_000 });
    gate.resolve();

    const results = await Promise.all(clients);
    expect(results[0]?.data).toBe('first\n');
    expect(results.slice(1).every((r) => r.data === 'sync\n' && r.error === undefined)).toBe(true);
    expect(served).toBe(count);
    await vi.waitFor(() => expect(server.strategy.active).toBe(0), { timeout: 10_000 });
  });
});
