/**
 * The pool's growth under a burst (issue 19, `pool-growth.ts` in core): while requests queue,
 * a child beyond `minSpareChildren` starts only once a request has waited as long as a child's
 * start-up takes (`growAfter: 'startup'`, the default, measured on the pool's own children).
 * A burst of short requests is served by the children running, not by a start per request; a
 * burst of long requests (handlers that wait for their client) grows to `maxChildren`; a close
 * while the pool grows counts every request.
 */
import { connect } from 'node:net';
import { exchange, LineClient, readToEnd } from '@sockserve/conformance';
import type { SocketAddress } from '@sockserve/core';
import { ForkingStrategy } from '@sockserve/forking';
import { describe, expect, it, vi } from 'vitest';
import { BusyHandler, GreetHandler } from './fixtures/handlers.ts';
import { closeServersAfterEach, serve } from './fixtures/servers.ts';

closeServersAfterEach();

const pidOf = (reply: Buffer | string) => Number(reply.toString().trim().split(' ').at(-1));

describe('pool growth under a burst', () => {
  it('a burst of short requests is served without a child per request that found the others busy', async () => {
    const { server } = await serve(BusyHandler, {
      maxChildren: 12,
      minSpareChildren: 1,
      idleTimeout: 60_000,
    });
    // 8 clients at once, 6 requests each, a connection per request.
    const pids = new Set<number>();
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = 0; i < 6; i += 1) {
          const reply = (await exchange(server.serverAddress, 'hi\n')).toString();
          expect(reply).toMatch(/^hi \d+\n$/);
          pids.add(pidOf(reply));
        }
      }),
    );
    // The child up front and the spare started before any request queued; growing further
    // needs a request that waited a whole start-up, which short requests never do.
    expect(server.activeChildren.length).toBeLessThanOrEqual(3);
    expect(pids.size).toBeLessThanOrEqual(3);
    expect(server.stats.accepted).toBe(48);
  });

  it('a burst of long requests grows the pool up to maxChildren, each request in a child of its own', async () => {
    const { server } = await serve(GreetHandler, { maxChildren: 4, minSpareChildren: 1 });
    const clients = await Promise.all(
      Array.from({ length: 4 }, () => LineClient.connect(server.serverAddress)),
    );
    // Each request holds its child until its client says bye: the others queue, and one
    // child starts per start-up waited.
    const pids = await Promise.all(clients.map(async (client) => pidOf(await client.line())));
    expect(new Set(pids).size).toBe(4);
    expect(server.activeChildren).toHaveLength(4);
    for (const client of clients) {
      client.write('bye\n');
      expect(await client.line()).toBe('bye\n');
      client.close();
    }
  });

  it('growAfter 0 starts a child whenever a request finds every child busy, as before', async () => {
    const { server } = await serve(GreetHandler, {
      maxChildren: 3,
      minSpareChildren: 0,
      growAfter: 0,
    });
    const a = await LineClient.connect(server.serverAddress);
    const pa = pidOf(await a.line());
    const b = await LineClient.connect(server.serverAddress);
    const pb = pidOf(await b.line());
    expect(pb).not.toBe(pa);
    expect(server.activeChildren).toHaveLength(2);
    for (const client of [a, b]) {
      client.write('bye\n');
      expect(await client.line()).toBe('bye\n');
      client.close();
    }
  });

  it('a close while the pool grows serves every accepted request and counts each one', async () => {
    const { server, loop } = await serve(BusyHandler, { maxChildren: 3, minSpareChildren: 1 });
    const port = (server.serverAddress as SocketAddress & { port: number }).port;
    const clients = Array.from({ length: 8 }, () => {
      const socket = connect(port, '127.0.0.1');
      socket.end('busy 100\n');
      return readToEnd(socket).catch(() => Buffer.alloc(0));
    });
    // Requests queue behind the busy children while the pool waits a start-up to grow.
    await vi.waitFor(() => expect(server.stats.accepted).toBeGreaterThanOrEqual(3), {
      timeout: 10_000,
    });
    await server.shutdown();
    await loop;
    const report = await server.serverClose();
    const replies = await Promise.all(clients);
    const answered = replies.filter((reply) => /^busy \d+\n$/.test(reply.toString())).length;
    expect(report.accepted).toBe(
      report.finished + report.cut + report.refused + report.dropped + report.detached,
    );
    expect(report.finished).toBe(report.accepted);
    expect(answered).toBe(report.accepted);
  });

  it('rejects a growAfter that is neither "startup" nor a duration, before anything is bound', () => {
    for (const growAfter of ['soon', -1, Number.NaN]) {
      expect(() => new ForkingStrategy({ growAfter: growAfter as number })).toThrow(
        expect.objectContaining({ code: 'ERR_SOCKSERVE_INVALID_OPTION', option: 'growAfter' }),
      );
    }
  });
});
