/**
 * A connection moved silent to a worker (issue 20, `waitForFirstBytes`) that spoke while every
 * handler slot of its worker was taken waits there for one (`runner-slots.ts`). If the worker
 * dies meanwhile, no handler ever ran for it: it ends unserved — counted `refused`, with a
 * `WaitingConnectionLostError`, not through `handleError` — whether the worker announced its
 * exit (`process.exit` in handler code) or died without a word (an uncaught error). The worker
 * tells the server which requests wait (`slot-wait`); a hard crash can't report them after.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { once } from 'node:events';
import type { BaseServer } from '@sockserve/core';
import { WaitingConnectionLostError } from '@sockserve/core/remote';
import { closeAfterEach, socketsMoveToWorkers } from '@sockserve/test-support';
import { afterEach, expect, it, vi } from 'vitest';
import { lineClient, serveSilentTCP } from './fixtures/silent-server.ts';

const moves = await socketsMoveToWorkers();
const open = closeAfterEach<BaseServer>({ afterEach }, { closeTimeout: 1000 });

for (const how of ['exit', 'crash'] as const) {
  it.skipIf(!moves)(
    `a worker that dies (${how === 'exit' ? 'process.exit' : 'an uncaught error'}) while a connection that spoke waits there for a slot ends it refused`,
    async () => {
      const { server, strategy } = await serveSilentTCP(open, {
        maxWorkers: 1,
        maxRequestsPerWorker: 1,
      });
      const handled: unknown[] = [];
      server.handleError = (_request, _address, error) => {
        handled.push(error);
      };
      const ends: Array<{ error: unknown }> = [];
      const onEnd = (message: unknown) => ends.push(message as (typeof ends)[number]);
      subscribe('sockserve:request.end', onEnd);
      try {
        const running = await lineClient(open, server);
        const waiting = await lineClient(open, server);
        running.write('hi\n');
        expect(await running.line()).toBe('in 1\n');
        waiting.write('hi\n');
        // The worker told the server `waiting` spoke (and, in the same turn, that it waits).
        await vi.waitFor(() => expect(strategy.active).toBe(2), { timeout: 20_000 });
        const closed = [once(running.socket, 'close'), once(waiting.socket, 'close')];
        running.write(`${how}\n`);
        await Promise.all(closed);
        open.servers.splice(0);
        await server.shutdown();
        // No close timeout: the worker's exit can reach this thread after the clients saw their
        // sockets close, and a close that ran out first would cut what the crash should end.
        const report = await server.serverClose();
        expect(report).toMatchObject({ accepted: 2, finished: 1, failed: 1, cut: 0, refused: 1 });
        expect(report.accepted).toBe(
          report.finished + report.cut + report.refused + report.dropped,
        );
        expect(handled.map((e) => (e as { code?: string }).code)).toEqual([
          'ERR_SOCKSERVE_RUNNER_EXIT',
        ]);
        const lost = ends
          .map((e) => e.error)
          .filter((e) => e instanceof WaitingConnectionLostError);
        expect(lost.map((e) => [e.code, e.message])).toEqual([
          [
            'ERR_SOCKSERVE_WAITING_CONNECTION_LOST',
            expect.stringContaining('while this request waited for a handler slot there'),
          ],
        ]);
      } finally {
        unsubscribe('sockserve:request.end', onEnd);
      }
    },
  );
}
