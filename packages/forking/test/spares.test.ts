/**
 * Spare children ahead of demand (`minSpareChildren`, `maxSpareChildren`; Perl PreFork's
 * min/max_spare_servers): per-request mode serves each request with a child started before it
 * arrived and starts the next spare as one is taken; the pool keeps an idle child ready while
 * others are busy and trims idle ones above `maxSpareChildren`; a close serves the per-request
 * work still queued.
 */
import { connect } from 'node:net';
import { exchange, LineClient, readToEnd } from '@sockserve/conformance';
import type { SocketAddress } from '@sockserve/core';
import { describe, expect, it, vi } from 'vitest';
import { BusyHandler, GreetHandler } from './fixtures/handlers.ts';
import { closeServersAfterEach, serve } from './fixtures/servers.ts';

closeServersAfterEach();

const pidOf = (reply: Buffer | string) => Number(reply.toString().trim().split(' ').at(-1));

describe('per-request mode with spares', () => {
  it('each request takes a child started before it arrived; a new spare replaces it, and the exit is collected', async () => {
    const { server } = await serve(BusyHandler, {
      forkingMode: 'per-request',
      minSpareChildren: 2,
    });
    const started = [...server.activeChildren];
    expect(started).toHaveLength(2);
    const first = pidOf(await exchange(server.serverAddress, 'hi\n'));
    expect(started).toContain(first);
    const exits = await server.collectChildren({ blocking: true });
    expect(exits).toEqual([{ pid: first, code: 0, signal: null }]);
    // The other pre-started child and the spare started when the first was taken.
    expect(server.activeChildren).toHaveLength(2);
    expect(server.activeChildren).not.toContain(first);
    const second = pidOf(await exchange(server.serverAddress, 'hi\n'));
    expect(second).toBe(started.find((pid) => pid !== first));
  });

  it('minSpareChildren 0: no child waits; each request starts its own', async () => {
    const { server } = await serve(BusyHandler, {
      forkingMode: 'per-request',
      minSpareChildren: 0,
    });
    const [upFront] = server.activeChildren;
    expect(pidOf(await exchange(server.serverAddress, 'hi\n'))).toBe(upFront);
    await server.collectChildren({ blocking: true });
    expect(server.activeChildren).toEqual([]);
    const next = pidOf(await exchange(server.serverAddress, 'hi\n'));
    expect(next).not.toBe(upFront);
  });

  it('a close serves the queued per-request work with spares, every client answered', async () => {
    const { server, loop } = await serve(BusyHandler, {
      forkingMode: 'per-request',
      maxChildren: 2,
      minSpareChildren: 1,
    });
    const clients = Array.from({ length: 6 }, () => {
      const socket = connect(
        (server.serverAddress as SocketAddress & { port: number }).port,
        '127.0.0.1',
      );
      socket.end('busy 50\n');
      return readToEnd(socket);
    });
    await vi.waitFor(() => expect(server.stats.accepted).toBe(6), { timeout: 10_000 });
    await server.shutdown();
    await loop;
    const report = await server.serverClose();
    const replies = (await Promise.all(clients)).map((reply) => reply.toString().split(' ')[0]);
    expect(replies).toEqual(Array(6).fill('busy'));
    expect(report).toMatchObject({ finished: 6, cut: 0, dropped: 0 });
  });
});

describe('pool mode with spares', () => {
  it('keeps an idle child ready while the others are busy: the next request takes it', async () => {
    const { server } = await serve(GreetHandler, { minSpareChildren: 1, maxChildren: 4 });
    const a = await LineClient.connect(server.serverAddress);
    const pa = pidOf(await a.line());
    // The spare was started when a's request took the only child.
    const spare = server.activeChildren.find((pid) => pid !== pa);
    expect(server.activeChildren).toHaveLength(2);
    const b = await LineClient.connect(server.serverAddress);
    expect(pidOf(await b.line())).toBe(spare);
    for (const client of [a, b]) {
      client.write('bye\n');
      expect(await client.line()).toBe('bye\n');
      client.close();
    }
  });

  it('idle children above maxSpareChildren exit at once, with status 0', async () => {
    const { server } = await serve(GreetHandler, {
      minSpareChildren: 1,
      maxSpareChildren: 1,
      maxChildren: 3,
    });
    const a = await LineClient.connect(server.serverAddress);
    const pa = pidOf(await a.line());
    const b = await LineClient.connect(server.serverAddress);
    const pb = pidOf(await b.line());
    // b waited for the spare a's request took to be replaced (it was starting): requests
    // queued, so the next spare beyond the floor starts once the queue has been quiet for a
    // start-up (`growAfter`, issue 19), not at once.
    await vi.waitFor(() => expect(server.activeChildren).toHaveLength(3), { timeout: 10_000 });
    for (const client of [a, b]) {
      client.write('bye\n');
      expect(await client.line()).toBe('bye\n');
      client.close();
    }
    await vi.waitFor(() => expect(server.activeChildren).toHaveLength(1), { timeout: 10_000 });
    // The oldest idle ones went (a's and b's); the spare started when b took its child stays.
    const exits = await server.collectChildren({ blocking: true });
    expect(exits.map((exit) => exit.code)).toEqual([0, 0]);
    expect(exits.map((exit) => exit.pid).sort()).toEqual([pa, pb].sort());
    expect(server.activeChildren).not.toContain(pa);
    expect(server.activeChildren).not.toContain(pb);
  });
});
