/**
 * `LineRequestHandler` under threading: a module-level subclass answers its lines in a worker
 * thread — the socket moved to the worker (`transfer: 'auto'`) or its bytes relayed
 * (`'relay'`) —, in order, async replies included, the last line without `\n` at end of
 * stream; a graceful close ends the loop between lines (finished); a close that cuts finds
 * the handler mid-line and reports it cut, in the report and in `request.end`.
 */
import { LineClient } from '@sockserve/conformance';
import { requestEnds } from '@sockserve/test-support';
import { describe, expect, it, vi } from 'vitest';
import { UpperLineHandler } from './fixtures/line-handler.ts';
import { threadedServers } from './fixtures/served.ts';

const serve = threadedServers();

for (const transfer of ['auto', 'relay'] as const) {
  describe(`LineRequestHandler in a worker thread (transfer: '${transfer}')`, () => {
    it('answers every line in order: several in one write, an async reply, the last without \\n', async () => {
      const server = await serve(UpperLineHandler, { maxWorkers: 1, transfer });
      const client = await LineClient.connect(server.serverAddress);
      client.write('one\ntwo\nlater three\nfour\n');
      const replies = [await client.line(), await client.line(), await client.line()];
      replies.push(await client.line());
      expect(replies).toEqual([
        'ONE worker 1\n',
        'TWO worker 1\n',
        'THREE later worker 1\n',
        'FOUR worker 1\n',
      ]);
      client.write('five\n');
      expect(await client.line()).toBe('FIVE worker 1\n');
      client.socket.end('six');
      expect(await client.rest()).toBe('SIX worker 1\n');
      await vi.waitFor(() => expect(server.strategy.active).toBe(0), { timeout: 10_000 });
      expect(await server.serverClose()).toMatchObject({ accepted: 1, finished: 1, cut: 0 });
    });

    it('a graceful close ends the loop between lines: the request is counted finished', async () => {
      const server = await serve(UpperLineHandler, { maxWorkers: 1, transfer });
      const client = await LineClient.connect(server.serverAddress);
      client.write('first\n');
      expect(await client.line()).toBe('FIRST worker 1\n');
      const report = await server.serverClose();
      expect(report).toMatchObject({ accepted: 1, finished: 1, failed: 0, cut: 0 });
      expect(await client.rest().catch(() => '')).toBe('');
    });

    it('a request cut at close mid-line is counted cut, and request.end carries the error', async () => {
      const server = await serve(UpperLineHandler, {
        maxWorkers: 1,
        transfer,
        daemonThreads: true,
      });
      await requestEnds(server, async (ends) => {
        const client = await LineClient.connect(server.serverAddress);
        client.write('first\nhold\n');
        expect(await client.line()).toBe('FIRST worker 1\n');
        await vi.waitFor(() => expect(server.strategy.active).toBe(1), { timeout: 10_000 });
        const report = await server.serverClose();
        expect(report).toMatchObject({ accepted: 1, finished: 0, cut: 1 });
        expect(ends).toEqual([expect.objectContaining({ code: 'ERR_SOCKSERVE_REQUEST_CUT' })]);
        expect(await client.rest().catch(() => '')).toBe('');
      });
    });
  });
}
