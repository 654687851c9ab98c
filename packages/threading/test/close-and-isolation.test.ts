/**
 * Threading and the one request pipeline: a worker that called `process.exit()` is never
 * handed the next request; `blockOnClose: false` lets running handlers finish (Python's
 * non-daemon threads) and reports them detached; `daemonThreads` cuts them, and says so in
 * the report and in `request.end`.
 */
import { exchange, LineClient } from '@sockserve/conformance';
import { requestEnds } from '@sockserve/test-support';
import { describe, expect, it, vi } from 'vitest';
import { CrashHandler, StagedHandler, WaitForLineHandler } from './fixtures/handlers.ts';
import { threadedServers } from './fixtures/served.ts';

const serve = threadedServers();

describe('a dead worker gets no new request', () => {
  it('a request sent right after a worker called process.exit() is served by a live worker (20 of 20)', async () => {
    const server = await serve(CrashHandler, { maxWorkers: 1, onWorkerExit: () => {} });
    server.handleError = () => {};
    let served = 0;
    for (let i = 0; i < 20; i += 1) {
      expect((await exchange(server.serverAddress, 'exit\n')).toString()).toBe('');
      if (/^ok worker \d+\n$/.test((await exchange(server.serverAddress, 'fine\n')).toString()))
        served += 1;
    }
    expect(served).toBe(20);
  });
});

describe('closing without waiting', () => {
  it('blockOnClose: false lets the running handler finish; the report counts it detached', async () => {
    const server = await serve(StagedHandler, { maxWorkers: 1, blockOnClose: false });
    const client = await LineClient.connect(server.serverAddress);
    client.write('work\n');
    expect(await client.line()).toBe('got\n');
    const report = await server.serverClose();
    expect(report).toMatchObject({ accepted: 1, finished: 0, cut: 0, detached: 1 });
    // Python's non-daemon thread: the handler goes on and answers.
    expect(await client.line()).toMatch(/^done worker 1\n$/);
    client.close();
  });

  it('daemonThreads: the running request is cut, counted cut, and request.end carries the error', async () => {
    const server = await serve(WaitForLineHandler, { maxWorkers: 1, daemonThreads: true });
    await requestEnds(server, async (ends) => {
      const client = await LineClient.connect(server.serverAddress);
      await vi.waitFor(() => expect(server.strategy.active).toBe(1), { timeout: 10_000 });
      const report = await server.serverClose();
      expect(report).toMatchObject({ accepted: 1, finished: 0, cut: 1, detached: 0 });
      expect(ends).toEqual([expect.objectContaining({ code: 'ERR_SOCKSERVE_REQUEST_CUT' })]);
      expect(await client.rest().catch(() => '')).toBe('');
    });
  });
});
