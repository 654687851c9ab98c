/**
 * Production hardening on a real TCP server: a graceful close lets requests in flight finish
 * and reports them, closes idle connections at once, cuts (and reports, without logging) what
 * is still running at the timeout; `serveForever({ signal })` stops on abort.
 */
import { LineClient, UpperLinesHandler } from '@sockserve/conformance';
import type { CloseReport } from '@sockserve/core';
import { StreamRequestHandler } from '@sockserve/stream';
import { closeAfterEach } from '@sockserve/test-support';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TCPServer } from '../src/index.js';
import { asyncServe, MixedHandler } from './fixtures/hardening.js';

const { servers: open } = closeAfterEach<TCPServer>({ afterEach }, { closeTimeout: 100 });
const serve = asyncServe(open);

describe('graceful close', () => {
  it('100 requests in flight at shutdown all finish; the report says so', async () => {
    const gate = Promise.withResolvers<void>();
    let received = 0;
    class SlowEcho extends StreamRequestHandler {
      override async handle(): Promise<void> {
        const line = await this.rfile.readline();
        received += 1;
        await gate.promise;
        await this.wfile.write(line);
      }
    }
    const { server, loop } = await serve(SlowEcho);
    const clients = await Promise.all(
      Array.from({ length: 100 }, () => LineClient.connect(server.serverAddress)),
    );
    for (const [i, client] of clients.entries()) client.write(`req ${i}\n`);
    await vi.waitFor(() => expect(received).toBe(100), { timeout: 10_000 });
    await server.shutdown();
    await loop;
    const closing = server.serverClose({ timeout: 10_000 });
    gate.resolve();
    const replies = await Promise.all(clients.map((client) => client.line()));
    expect(replies).toEqual(clients.map((_, i) => `req ${i}\n`));
    expect(await closing).toEqual({
      accepted: 100,
      finished: 100,
      failed: 0,
      cut: 0,
      refused: 0,
      dropped: 0,
      detached: 0,
    });
    for (const client of clients) client.close();
  });

  it('idle persistent connections are closed at once when the server closes', async () => {
    const { server } = await serve(UpperLinesHandler);
    const client = await LineClient.connect(server.serverAddress);
    client.write('one\n');
    expect(await client.line()).toBe('ONE\n');
    expect(await server.serverClose()).toMatchObject({ accepted: 1, finished: 1, cut: 0 });
    expect(await client.rest()).toBe('');
  });

  it('requests still running at the close timeout are cut, reported, and not logged as errors', async () => {
    const { server } = await serve(MixedHandler);
    const handleError = vi.spyOn(server, 'handleError');
    // Wait until every handler READ its line: running (`strategy.active`) is not enough, a
    // handler still waiting for its first line is drained by the close and finishes.
    let hung = 0;
    const allHung = Promise.withResolvers<void>();
    MixedHandler.onHang = () => {
      hung += 1;
      if (hung === 3) allHung.resolve();
    };
    const clients = await Promise.all(
      Array.from({ length: 3 }, () => LineClient.connect(server.serverAddress)),
    );
    for (const client of clients) client.write('hang\n');
    await allHung.promise;
    MixedHandler.onHang = () => {};
    const report: CloseReport = await server.serverClose({ timeout: 50 });
    expect(report).toMatchObject({ accepted: 3, finished: 0, cut: 3, dropped: 0 });
    for (const client of clients) expect(await client.rest().catch(() => '')).toBe('');
    expect(handleError).not.toHaveBeenCalled();
  });

  it('serveForever({ signal }) stops when the signal aborts', async () => {
    const server = await TCPServer.create({ host: '127.0.0.1', port: 0 }, UpperLinesHandler);
    open.push(server);
    const stop = new AbortController();
    const loop = server.serveForever({ signal: stop.signal });
    stop.abort();
    await expect(loop).resolves.toBeUndefined();
  });
});
