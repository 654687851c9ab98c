/**
 * `proxyProtocol: { parseIn: 'runner' }` under threading and forking (issue 14): the server's
 * process checks only `trusted` and moves the untouched socket; the worker or child reads the
 * header before the handler. Real loopback sockets and headers from the encoder: the header's
 * source echoed with the bytes after it, from a moved socket (no relay); a bad header, a
 * stalled one and a LOCAL health check counted and published by the server's process exactly
 * as when it reads the header itself; an untrusted peer refused before anything moves.
 */
import { once } from 'node:events';
import { connect } from 'node:net';
import { join } from 'node:path';
import { AsyncStrategy, type ConcurrencyStrategy, SequentialStrategy } from '@sockserve/core';
import { ForkingStrategy } from '@sockserve/forking';
import { encodeProxyHeader, ProxyProtocolError } from '@sockserve/proxy-protocol';
import { TCPServer } from '@sockserve/tcp';
import { ThreadingStrategy } from '@sockserve/threading';
import { UnixStreamServer } from '@sockserve/unix';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ProxyWhereEchoHandler } from './fixtures/proxy-echo.ts';
import { removeTempDirs, tempDir } from './helpers.ts';
import {
  askLine,
  closeAll,
  onTeardown,
  rejections,
  STRATEGIES,
  serveTcp,
  tcpVia,
  v2Header,
} from './proxy-servers.ts';

afterEach(async () => {
  await closeAll();
  removeTempDirs();
});

describe.each(['threading', 'forking'] as const)('%s', (strategy) => {
  let via: 'moved' | 'relay';
  beforeAll(async () => {
    via = await tcpVia(strategy);
  });
  const serve = (extra: { headerTimeout?: number; trusted?: string[] } = {}) =>
    serveTcp(strategy, ProxyWhereEchoHandler, {
      proxyProtocol: { trusted: ['127.0.0.1'], ...extra, parseIn: 'runner' },
    });

  it('the socket moves untouched; the handler sees the header source and the bytes after it', async () => {
    const server = await serve();
    const port = server.serverAddress.port;
    const one = await askLine(
      port,
      Buffer.concat([v2Header('203.0.113.9', 4242), Buffer.from('same write\n')]),
    );
    expect(one.line).toBe(`203.0.113.9:4242 v2 PROXY ${via} same write\n`);
    const v1 = 'PROXY TCP4 198.51.100.1 198.51.100.2 5555 80\r\nv1 line\n';
    expect((await askLine(port, v1)).line).toBe(`198.51.100.1:5555 v1 PROXY ${via} v1 line\n`);
    // The header split across writes, the line after it in a write of its own.
    const socket = connect({ host: '127.0.0.1', port });
    onTeardown(async () => socket.destroy());
    await once(socket, 'connect');
    const header = v2Header('203.0.113.10', 7);
    socket.write(header.subarray(0, 5));
    socket.write(Buffer.concat([header.subarray(5), Buffer.from('spl')]));
    socket.end('it\n');
    let reply = '';
    socket.setEncoding('latin1');
    for await (const chunk of socket) reply += chunk as string;
    expect(reply).toBe(`203.0.113.10:7 v2 PROXY ${via} split\n`);
    expect(server.stats).toMatchObject({ accepted: 3 });
    expect(server.stats.proxyRejected ?? 0).toBe(0);
    expect(server.errors).toEqual([]);
  });

  it('a bad header is refused in the runner: counted and published with its reason and error', async () => {
    const seen = rejections();
    const server = await serve();
    const port = server.serverAddress.port;
    expect((await askLine(port, 'GET / HTTP/1.1\r\n\r\n')).line).toBe('');
    await vi.waitFor(() => expect(server.stats.proxyRejected).toBe(1));
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      reason: 'bad-signature',
      clientAddress: { host: '127.0.0.1' },
    });
    expect(seen[0]?.error).toBeInstanceOf(ProxyProtocolError);
    expect(seen[0]?.error).toMatchObject({
      code: 'ERR_SOCKSERVE_PROXY_HEADER',
      reason: 'bad-signature',
    });
    // Nothing else lost: the next connection is served, no handler error was reported.
    const good = await askLine(
      port,
      Buffer.concat([v2Header('203.0.113.1', 1), Buffer.from('next\n')]),
    );
    expect(good.line).toBe(`203.0.113.1:1 v2 PROXY ${via} next\n`);
    // A refused header reached a runner, so it counts as accepted (see the README).
    expect(server.stats).toMatchObject({ accepted: 2, proxyRejected: 1 });
    expect(server.errors).toEqual([]);
  });

  it('a header that stalls is closed at headerTimeout, counted as timeout', async () => {
    const seen = rejections();
    const server = await serve({ headerTimeout: 300 });
    const started = performance.now();
    const { line } = await askLine(server.serverAddress.port, 'PROXY TCP4 198.51.');
    expect(line).toBe('');
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    await vi.waitFor(() => expect(server.stats.proxyRejected).toBe(1));
    expect(seen).toEqual([expect.objectContaining({ reason: 'timeout', error: undefined })]);
    expect(server.errors).toEqual([]);
  });

  it('LOCAL (a health check) is served with the socket own peer and counted; so is connect-and-close', async () => {
    const seen = rejections();
    const server = await serve();
    const port = server.serverAddress.port;
    const local = encodeProxyHeader({ version: 2, command: 'LOCAL', family: 'unspec' });
    const answer = await askLine(port, Buffer.concat([local, Buffer.from('check\n')]));
    expect(answer.line).toBe(`127.0.0.1:${answer.local} v2 LOCAL ${via} check\n`);
    await vi.waitFor(() => expect(server.stats.proxyHealthChecks).toBe(1));
    const checker = connect({ host: '127.0.0.1', port });
    checker.on('error', () => {});
    await once(checker, 'connect');
    checker.end();
    // Reset once the runner sees the end with no byte (as the server's own preamble does).
    await new Promise((resolve) => checker.once('close', resolve));
    await vi.waitFor(() => expect(server.stats.proxyHealthChecks).toBe(2));
    expect(server.stats.proxyRejected ?? 0).toBe(0);
    expect(seen).toEqual([]);
    expect(server.errors).toEqual([]);
  });

  it('an untrusted peer is refused in the server process before anything moves', async () => {
    const seen = rejections();
    const server = await serve({ trusted: ['10.0.0.0/8'] });
    const { line } = await askLine(
      server.serverAddress.port,
      Buffer.concat([v2Header('203.0.113.9', 1), Buffer.from('x\n')]),
    );
    expect(line).toBe('');
    expect(server.stats).toMatchObject({ accepted: 0, proxyRejected: 1 });
    expect(seen).toEqual([expect.objectContaining({ reason: 'untrusted' })]);
  });

  it('a connection still in its header when the server closes is counted as closing', async () => {
    const seen = rejections();
    const server = await serve({ headerTimeout: 60_000 });
    const stalled = connect({ host: '127.0.0.1', port: server.serverAddress.port });
    stalled.on('error', () => {});
    onTeardown(async () => stalled.destroy());
    await once(stalled, 'connect');
    stalled.write('PROXY TCP4 198.51.');
    // Handed to a runner (the cut then follows the request to it).
    await vi.waitFor(() => expect(server.strategy.active).toBe(1));
    const closed = new Promise((resolve) => stalled.once('close', resolve));
    await server.shutdown();
    await server.serverClose({ timeout: 100 });
    await closed;
    expect(server.stats.proxyRejected).toBe(1);
    expect(seen).toEqual([expect.objectContaining({ reason: 'closing' })]);
  });

  it('Unix stream: the runner reads the header', async () => {
    const server = await UnixStreamServer.create(
      join(tempDir(), 'runner.sock'),
      ProxyWhereEchoHandler,
      { proxyProtocol: { trusted: ['any'], parseIn: 'runner' }, strategy: STRATEGIES[strategy]() },
    );
    const loop = server.serveForever();
    onTeardown(async () => {
      await server.shutdown();
      await loop;
      await server.serverClose();
    });
    const client = connect({ path: server.serverAddress.path });
    onTeardown(async () => client.destroy());
    await once(client, 'connect');
    client.end(Buffer.concat([v2Header('203.0.113.5', 6000), Buffer.from('over unix\n')]));
    let reply = '';
    client.setEncoding('latin1');
    for await (const chunk of client) reply += chunk as string;
    // Node moves only TCP sockets to a worker: a Unix one is relayed, and the worker reads the
    // header from the relay; a child gets the handle.
    const via = strategy === 'threading' ? 'relay' : 'moved';
    expect(reply).toBe(`203.0.113.5:6000 v2 PROXY ${via} over unix\n`);
  });
});

it('parseIn is checked before anything is bound: main or runner, stream servers only', () => {
  for (const parseIn of ['worker', 1, null]) {
    expect(
      () =>
        new TCPServer({ host: '127.0.0.1', port: 0 }, ProxyWhereEchoHandler, {
          proxyProtocol: { trusted: ['any'], parseIn } as never,
          bindAndActivate: false,
        }),
    ).toThrow(
      expect.objectContaining({ code: 'ERR_SOCKSERVE_INVALID_OPTION', option: 'proxyProtocol' }),
    );
  }
});

it('async: parseIn runner reads the header in the server process, as main does', async () => {
  const server = await serveTcp('async', ProxyWhereEchoHandler, {
    proxyProtocol: { trusted: ['127.0.0.1'], parseIn: 'runner' },
  });
  const { line } = await askLine(
    server.serverAddress.port,
    Buffer.concat([v2Header('203.0.113.4', 44), Buffer.from('here\n')]),
  );
  expect(line).toBe('203.0.113.4:44 v2 PROXY moved here\n');
});

it('a strategy that takes upgrade settings but runs handlers here: the server reads the header', async () => {
  // Not `runsRequestsElsewhere`: taking connection-upgrade settings says nothing of where
  // handlers run (the guess this flag replaced handed such a strategy the raw header).
  class UpgradeAwareAsync extends AsyncStrategy {
    readonly settings: unknown[] = [];
    updateConnectionUpgrade(settings: unknown): void {
      this.settings.push(settings);
    }
  }
  const server = await serveTcp(new UpgradeAwareAsync(), ProxyWhereEchoHandler, {
    proxyProtocol: { trusted: ['127.0.0.1'], parseIn: 'runner' },
  });
  expect(server.runnerPreamble).toBeUndefined();
  const { line } = await askLine(
    server.serverAddress.port,
    Buffer.concat([v2Header('203.0.113.5', 45), Buffer.from('here\n')]),
  );
  expect(line).toBe('203.0.113.5:45 v2 PROXY moved here\n');
  expect(server.errors).toEqual([]);
});

it('threading and forking run requests elsewhere; the in-process strategies do not say so', () => {
  expect(new ThreadingStrategy().runsRequestsElsewhere).toBe(true);
  expect(new ForkingStrategy().runsRequestsElsewhere).toBe(true);
  const inProcess: ConcurrencyStrategy[] = [new AsyncStrategy(), new SequentialStrategy()];
  for (const strategy of inProcess) expect(strategy.runsRequestsElsewhere).toBeUndefined();
});
