/**
 * `LineRequestHandler` under forking, pool and per-request: a module-level subclass answers
 * its lines in a child process, in order, async replies included, the last line without `\n`
 * at end of stream; a graceful close ends the loop between lines (finished); a close whose
 * timeout passes finds the handler mid-line and reports it cut, in the report and in
 * `request.end`.
 */
import { LineClient } from '@sockserve/conformance';
import { requestEnds } from '@sockserve/test-support';
import { describe, expect, it, vi } from 'vitest';
import { UpperLineHandler } from './fixtures/line-handler.ts';
import { closeServersAfterEach, serve } from './fixtures/servers.ts';

closeServersAfterEach();

/** The pid a reply ends with. */
function pidOf(reply: string): number {
  return Number(reply.trim().split(' ').at(-1));
}

for (const forkingMode of ['pool', 'per-request'] as const) {
  describe(`LineRequestHandler in a child process (${forkingMode})`, () => {
    it('answers every line in order: several in one write, an async reply, the last without \\n', async () => {
      const { server } = await serve(UpperLineHandler, { forkingMode, maxChildren: 2 });
      const client = await LineClient.connect(server.serverAddress);
      client.write('one\ntwo\nlater three\nfour\n');
      const replies = [await client.line(), await client.line(), await client.line()];
      replies.push(await client.line());
      const pid = pidOf(replies[0] as string);
      expect(pid).not.toBe(process.pid);
      expect(replies).toEqual([
        `ONE ${pid}\n`,
        `TWO ${pid}\n`,
        `THREE later ${pid}\n`,
        `FOUR ${pid}\n`,
      ]);
      client.write('five\n');
      expect(await client.line()).toBe(`FIVE ${pid}\n`);
      client.socket.end('six');
      expect(await client.rest()).toBe(`SIX ${pid}\n`);
      await vi.waitFor(() => expect(server.strategy.active).toBe(0), { timeout: 10_000 });
      expect(await server.serverClose()).toMatchObject({ accepted: 1, finished: 1, cut: 0 });
    });

    it('a graceful close ends the loop between lines: the request is counted finished', async () => {
      const { server } = await serve(UpperLineHandler, { forkingMode, maxChildren: 2 });
      const client = await LineClient.connect(server.serverAddress);
      client.write('first\n');
      expect(await client.line()).toMatch(/^FIRST \d+\n$/);
      const report = await server.serverClose({ timeout: 20_000 });
      expect(report).toMatchObject({ accepted: 1, finished: 1, failed: 0, cut: 0 });
      expect(await client.rest().catch(() => '')).toBe('');
    });

    it('a request cut at close mid-line is counted cut, and request.end carries the error', async () => {
      const { server } = await serve(UpperLineHandler, { forkingMode, maxChildren: 2 });
      await requestEnds(server, async (ends) => {
        const client = await LineClient.connect(server.serverAddress);
        client.write('first\nhold\n');
        expect(await client.line()).toMatch(/^FIRST \d+\n$/);
        await vi.waitFor(() => expect(server.strategy.active).toBe(1), { timeout: 10_000 });
        const report = await server.serverClose({ timeout: 50 });
        expect(report).toMatchObject({ accepted: 1, finished: 0, cut: 1 });
        expect(ends).toEqual([expect.objectContaining({ code: 'ERR_SOCKSERVE_REQUEST_CUT' })]);
        expect(await client.rest().catch(() => '')).toBe('');
      });
    });
  });
}
