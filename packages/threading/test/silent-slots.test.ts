/**
 * Silent connections moved to a worker (issue 20, `waitForFirstBytes`) and the pool's
 * bookkeeping: one that speaks waits in its worker for a free slot, so `maxRequestsPerWorker`
 * holds; a worker's crash ends the ones still waiting there unserved (counted `refused`, with a
 * `WaitingConnectionLostError`, not through `handleError`); a worker holding only waiting ones
 * is a spare; a connection that can't move (a Unix socket) leaves no trace on the worker it was
 * first meant for.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BaseServer } from '@sockserve/core';
import { WaitingConnectionLostError } from '@sockserve/core/remote';
import { closeAfterEach, socketsMoveToWorkers } from '@sockserve/test-support';
import type { ThreadingOptions } from '@sockserve/threading';
import { UnixStreamServer } from '@sockserve/unix';
import { afterAll, afterEach, expect, it, vi } from 'vitest';
import { InFlightHandler } from './fixtures/in-flight.ts';
import { lineClient, serveSilentTCP, silentStrategy } from './fixtures/silent-server.ts';

const moves = await socketsMoveToWorkers();
const dir = mkdtempSync(join(tmpdir(), 'sockserve-silent-slots-'));
const open = closeAfterEach<BaseServer>({ afterEach }, { closeTimeout: 1000 });
const { servers } = open;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const serveTCP = (options: ThreadingOptions) => serveSilentTCP(open, options);
const client = (server: BaseServer) => lineClient(open, server);

/** Asks which worker serves a new connection (`who`). */
async function who(server: BaseServer): Promise<string> {
  const c = await client(server);
  c.write('who\n');
  return (await c.rest()).trim();
}

it.skipIf(!moves)(
  'a silent connection that speaks waits in its worker for a free slot: maxRequestsPerWorker holds',
  async () => {
    const { server, strategy } = await serveTCP({ maxWorkers: 1, maxRequestsPerWorker: 1 });
    const a = await client(server);
    const b = await client(server);
    // Accepted in order: once a later connection was answered, a and b wait in the worker.
    expect(await who(server)).toBe('worker 1');
    a.write('hi\n');
    expect(await a.line()).toBe('in 1\n');
    b.write('hi\n');
    // Its worker told the server b spoke (b counts as a request in flight from then on).
    await vi.waitFor(() => expect(strategy.active).toBe(2), { timeout: 20_000 });
    a.socket.end('bye\n');
    await a.rest();
    // b's handler started only once a's had ended (it would say `in 2` had it run beside a).
    expect(await b.line()).toBe('in 1\n');
    b.socket.end('bye\n');
    await b.rest();
  },
);

it.skipIf(!moves)(
  'a worker crash ends the silent connections waiting in it unserved: refused, not handleError',
  async () => {
    const { server } = await serveTCP({ maxWorkers: 1, maxRequestsPerWorker: 2 });
    const handled: unknown[] = [];
    server.handleError = (_request, _address, error) => {
      handled.push(error);
    };
    const ends: Array<{ request: unknown; error: unknown }> = [];
    const onEnd = (message: unknown) => ends.push(message as (typeof ends)[number]);
    subscribe('sockserve:request.end', onEnd);
    try {
      const waiting = await client(server);
      const crasher = await client(server);
      const closed = [once(waiting.socket, 'close'), once(crasher.socket, 'close')];
      crasher.write('exit\n');
      await Promise.all(closed);
      servers.splice(0);
      await server.shutdown();
      // No close timeout: the worker's exit can reach this thread after the clients saw their
      // sockets close, and a close that ran out first would cut what the crash should end.
      const report = await server.serverClose();
      expect(report).toMatchObject({ accepted: 2, finished: 1, failed: 1, cut: 0, refused: 1 });
      expect(report.accepted).toBe(report.finished + report.cut + report.refused + report.dropped);
      expect(handled.map((e) => (e as { code?: string }).code)).toEqual([
        'ERR_SOCKSERVE_RUNNER_EXIT',
      ]);
      const lost = ends.map((e) => e.error).filter((e) => e instanceof WaitingConnectionLostError);
      expect(lost.map((e) => (e as WaitingConnectionLostError).code)).toEqual([
        'ERR_SOCKSERVE_WAITING_CONNECTION_LOST',
      ]);
    } finally {
      unsubscribe('sockserve:request.end', onEnd);
    }
  },
);

/** Resolves with the next message published on diagnostics channel `name`. */
function nextOn(name: string): Promise<unknown> {
  return new Promise((resolve) => {
    const on = (message: unknown) => {
      unsubscribe(name, on);
      resolve(message);
    };
    subscribe(name, on);
  });
}

it.skipIf(!moves)(
  'a worker holding only silent connections is a spare: no extra worker starts for them',
  async () => {
    const { server, strategy } = await serveTCP({ maxWorkers: 3, minSpareWorkers: 1 });
    expect(strategy.runners).toBe(1);
    const started = nextOn('sockserve:request.start');
    await client(server);
    await started;
    // A second silent connection lands there too and ends without a word: its end comes back
    // from the worker after the first one's move and every spare check the pool made since
    // (on each take and each end), so a start any of them decided has begun by then.
    const second = await client(server);
    const ended = nextOn('sockserve:request.end');
    second.socket.end();
    await ended;
    expect(strategy.runners).toBe(1);
  },
);

it("a silent Unix connection, which can't move to a worker, leaves no trace on the worker first chosen", async () => {
  const strategy = silentStrategy({ minWorkers: 2, maxWorkers: 2 });
  const server = await UnixStreamServer.create(join(dir, 'undo.sock'), InFlightHandler, {
    strategy,
  });
  servers.push(server);
  server.serveForever().catch(() => {});
  // The first connection was meant to wait in worker 1, whose served count the failed move
  // must not keep: served counts break ties, so it then goes to worker 1 and the next to 2.
  expect([await who(server), await who(server)]).toEqual(['worker 1', 'worker 2']);
});
