/**
 * A graceful close serves what was already accepted: the requests running and the
 * connections still queued in the transport, within the close timeout, under the sequential
 * strategy too; only what the timeout cuts is cut, and the report counts it.
 */
import { HangOnRequestHandler, LineClient, UpperLinesHandler } from '@sockserve/conformance';
import { AsyncStrategy, type CloseReport } from '@sockserve/core';
import { closeAfterEach } from '@sockserve/test-support';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TCPServer } from '../src/index.js';

const { servers: open } = closeAfterEach<TCPServer>({ afterEach }, { closeTimeout: 100 });

async function serve(handler: ConstructorParameters<typeof TCPServer>[1], options: object = {}) {
  const server = await TCPServer.create({ host: '127.0.0.1', port: 0 }, handler, options);
  open.push(server);
  const loop = server.serveForever();
  loop.catch(() => {});
  return { server, loop };
}

/** Connects `n` clients that each send one line (`line i`). */
async function clientsWithALine(server: TCPServer, n: number): Promise<LineClient[]> {
  const clients = await Promise.all(
    Array.from({ length: n }, () => LineClient.connect(server.serverAddress)),
  );
  for (const [i, client] of clients.entries()) client.write(`line ${i}\n`);
  return clients;
}

function expectSum(report: CloseReport): void {
  const { accepted, finished, cut, refused, dropped, detached } = report;
  expect(accepted).toBe(finished + cut + refused + dropped + detached);
}

describe('graceful close serves what was accepted', () => {
  it('sequential, 10 connected clients: all 10 are answered, then the connections close', async () => {
    const { server } = await serve(UpperLinesHandler);
    const clients = await clientsWithALine(server, 10);
    // The first is being served (it waits for its next line); nine wait in the queue.
    expect(await clients[0]?.line()).toBe('LINE 0\n');
    await vi.waitFor(() => expect(server.stats.accepted).toBe(10), { timeout: 10_000 });
    const report = await server.serverClose();
    for (const [i, client] of clients.entries()) {
      if (i > 0) expect(await client.line()).toBe(`LINE ${i}\n`);
      expect(await client.rest()).toBe('');
    }
    expect(report).toEqual({
      accepted: 10,
      finished: 10,
      failed: 0,
      cut: 0,
      refused: 0,
      dropped: 0,
      detached: 0,
    });
  });

  it('sequential, timeout 0: the running request is cut and the queued ones are dropped, counted', async () => {
    const { server } = await serve(HangOnRequestHandler);
    const hung = await LineClient.connect(server.serverAddress);
    hung.write('hang\n');
    expect(await hung.line()).toBe('hanging\n');
    const queued = await clientsWithALine(server, 3);
    await vi.waitFor(() => expect(server.stats.accepted).toBe(4), { timeout: 10_000 });
    const report = await server.serverClose({ timeout: 0 });
    expect(report).toMatchObject({ accepted: 4, finished: 0, cut: 1, dropped: 3 });
    expectSum(report);
    for (const client of [hung, ...queued]) expect(await client.rest().catch(() => '')).toBe('');
  });

  it('a second serverClose({ timeout: 0 }) during a graceful close cuts at once; both share one report', async () => {
    const { server } = await serve(HangOnRequestHandler, { strategy: new AsyncStrategy() });
    const hung = await Promise.all([0, 1].map(() => LineClient.connect(server.serverAddress)));
    for (const client of hung) client.write('hang\n');
    for (const client of hung) expect(await client.line()).toBe('hanging\n');
    const first = server.serverClose();
    let settled = false;
    void first.then(() => {
      settled = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    const second = server.serverClose({ timeout: 0 });
    const [a, b] = await Promise.all([first, second]);
    expect(b).toBe(a);
    expect(a).toMatchObject({ accepted: 2, finished: 0, cut: 2 });
    expectSum(a);
  });
});
