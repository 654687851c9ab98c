/**
 * Production hardening on a real TCP server: what it tells observers — the
 * diagnostics_channel events of a server's life and its requests, and the `logger` option the
 * default `handleError()` writes to.
 */
import diagnostics from 'node:diagnostics_channel';
import { exchange } from '@sockserve/conformance';
import { closeAfterEach } from '@sockserve/test-support';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TCPServer } from '../src/index.js';
import { asyncServe, MixedHandler } from './fixtures/hardening.js';

const { servers: open } = closeAfterEach<TCPServer>({ afterEach }, { closeTimeout: 100 });
const serve = asyncServe(open);

describe('diagnostics_channel', () => {
  it('publishes listening, accepted, request start/end, shutdown and close', async () => {
    const events: Array<[string, Record<string, unknown>]> = [];
    const names = [
      'sockserve:server.listening',
      'sockserve:connection.accepted',
      'sockserve:request.start',
      'sockserve:request.end',
      'sockserve:server.shutdown',
      'sockserve:server.close',
    ];
    const listeners = names.map((name) => {
      const fn = (message: unknown) => events.push([name, message as Record<string, unknown>]);
      diagnostics.subscribe(name, fn);
      return () => diagnostics.unsubscribe(name, fn);
    });
    try {
      const { server, loop } = await serve(MixedHandler);
      await exchange(server.serverAddress, 'traced\n');
      await vi.waitFor(() => expect(events.map(([n]) => n)).toContain('sockserve:request.end'), {
        timeout: 10_000,
      });
      await server.shutdown();
      await loop;
      await server.serverClose();
      const mine = events.filter(
        ([, m]) => m.server === server || m.address === server.serverAddress,
      );
      expect(mine.map(([n]) => n)).toEqual(names);
      const end = mine.find(([n]) => n === 'sockserve:request.end')?.[1];
      expect(end).toMatchObject({ error: undefined, durationMs: expect.any(Number) });
      expect(mine.at(-1)?.[1]).toMatchObject({ report: { accepted: 1, finished: 1, cut: 0 } });
    } finally {
      for (const off of listeners) off();
    }
  });
});

describe('logger', () => {
  it("the default handleError() goes to the logger's error() when one is given", async () => {
    const logged: Array<[unknown, string]> = [];
    const logger = {
      error: (fields: unknown, message: string) => logged.push([fields, message]),
    };
    const { server } = await serve(MixedHandler, { logger });
    await exchange(server.serverAddress, 'fail logged\n');
    await vi.waitFor(() => expect(logged).toHaveLength(1), { timeout: 10_000 });
    expect(logged[0]).toEqual([
      {
        clientAddress: expect.objectContaining({ host: '127.0.0.1' }),
        err: expect.objectContaining({ message: 'bad fail logged' }),
      },
      expect.stringMatching(
        /^exception occurred during processing of request from 127\.0\.0\.1:\d+$/,
      ),
    ]);
    expect(
      () =>
        new TCPServer({ host: '127.0.0.1', port: 0 }, MixedHandler, {
          logger: {} as never,
          bindAndActivate: false,
        }),
    ).toThrow('option "logger" must be a logger with error(fields, message)');
  });
});
