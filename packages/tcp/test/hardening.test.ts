/**
 * Production hardening on a real TCP server: request deadlines, graceful close with a report,
 * diagnostics_channel events, CIDR access control, and fault tests that report their figures.
 */
import diagnostics from 'node:diagnostics_channel';
import { connect, type Socket } from 'node:net';
import {
  connectTo,
  exchange,
  LineClient,
  readToEnd,
  UpperLinesHandler,
} from '@sockserve/conformance';
import {
  AsyncStrategy,
  accessControl,
  BaseRequestHandler,
  type CloseReport,
  type SocketAddress,
} from '@sockserve/core';
import { StreamRequestHandler } from '@sockserve/stream';
import { closeAfterEach } from '@sockserve/test-support';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TCPServer } from '../src/index.js';

const { servers: open } = closeAfterEach<TCPServer>({ afterEach }, { closeTimeout: 100 });

async function serve(
  handler: ConstructorParameters<typeof TCPServer>[1],
  options: object = {},
  host = '127.0.0.1',
) {
  const server = await TCPServer.create({ host, port: 0 }, handler, {
    strategy: new AsyncStrategy(),
    ...options,
  });
  open.push(server);
  const loop = server.serveForever();
  loop.catch(() => {});
  return { server, loop };
}

/** Reads a line; `hang` waits for ever (ignoring its signal), `fail` throws, else echoes. */
class MixedHandler extends StreamRequestHandler {
  /** Called when a handler read its `hang` line and starts hanging. */
  static onHang: () => void = () => {};
  override async handle(): Promise<void> {
    const line = (await this.rfile.readline()).toString();
    if (line === 'hang\n') {
      MixedHandler.onHang();
      await new Promise(() => {});
    }
    if (line.startsWith('fail')) throw new Error(`bad ${line.trim()}`);
    await this.wfile.write(line);
  }
}

/**
 * The first `hangs` requests never return, ignoring their signal, and read nothing; later ones
 * echo a line. Reading nothing matters: a deadline that comes before the server read bytes the
 * client sent (a loop stalled past it on a loaded machine) destroys a socket with unread data,
 * which resets the client instead of ending it.
 */
class HangFirstHandler extends StreamRequestHandler {
  static hangs = 0;
  static seenSignals: AbortSignal[] = [];
  override async handle(): Promise<void> {
    if (HangFirstHandler.hangs > 0) {
      HangFirstHandler.hangs -= 1;
      HangFirstHandler.seenSignals.push(this.signal);
      await new Promise(() => {});
    }
    await this.wfile.write(await this.rfile.readline());
  }
}

/** Writes 64 KiB chunks for ever, honouring backpressure; records the socket's buffered bytes. */
class FloodHandler extends StreamRequestHandler {
  static maxBuffered = 0;
  override async handle(): Promise<void> {
    const chunk = Buffer.alloc(64 * 1024, 0x66);
    for (;;) {
      await this.wfile.write(chunk);
      FloodHandler.maxBuffered = Math.max(
        FloodHandler.maxBuffered,
        (this.request as Socket).writableLength,
      );
    }
  }
}

describe('request deadline (requestTimeout)', () => {
  it('a handler that never returns is ended by its deadline; serving goes on', async () => {
    HangFirstHandler.hangs = 1;
    HangFirstHandler.seenSignals = [];
    const { server } = await serve(HangFirstHandler, { requestTimeout: 50 });
    const errors: unknown[] = [];
    server.handleError = (_r, _a, error) => {
      errors.push(error);
    };
    // The client sends nothing and waits for the server to end the connection: the deadline
    // ends it (and reports the error, before the close reaches the client) whenever it fires.
    const hung = await connectTo(server.serverAddress);
    expect((await readToEnd(hung)).toString()).toBe('');
    hung.destroy();
    expect(errors).toEqual([
      expect.objectContaining({ code: 'ERR_SOCKSERVE_REQUEST_TIMEOUT', timeout: 50 }),
    ]);
    expect(HangFirstHandler.seenSignals).toHaveLength(1);
    expect(HangFirstHandler.seenSignals[0]?.aborted).toBe(true);
    // Read at each request: the next one gets no deadline, so a loaded machine can't cut it.
    server.requestTimeout = null;
    expect((await exchange(server.serverAddress, 'next\n')).toString()).toBe('next\n');
  });

  it('a client that never reads a large reply: backpressure bounds the buffer, the deadline ends it', async () => {
    FloodHandler.maxBuffered = 0;
    const { server } = await serve(FloodHandler, { requestTimeout: 300 });
    const errors: unknown[] = [];
    server.handleError = (_r, _a, error) => {
      errors.push(error);
    };
    const socket = connect(server.serverAddress as { port: number; host: string });
    socket.pause();
    await vi.waitFor(() => expect(errors).toHaveLength(1), { timeout: 5000 });
    socket.destroy();
    expect(errors[0]).toMatchObject({ code: 'ERR_SOCKSERVE_REQUEST_TIMEOUT' });
    // Figure: the most the server ever held for this client (one chunk over the high-water mark).
    expect(FloodHandler.maxBuffered).toBeLessThanOrEqual(128 * 1024);
  });
});

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

describe('access control (CIDR on net.BlockList)', () => {
  class AddressHandler extends BaseRequestHandler<Socket> {
    override handle() {
      return new Promise<void>((resolve) => this.request.end('in\n', () => resolve()));
    }
  }

  it('deny wins; allow restricts; IPv4 seen as ::ffff: on a dual-stack socket is checked as IPv4', async () => {
    const { server } = await serve(AddressHandler, {}, '');
    const port = (server.serverAddress as { port: number }).port;
    const to = (host: string): SocketAddress => ({ family: 'IPv4', host, port });
    server.verifyRequest = accessControl({
      allow: ['::1/128', '127.0.0.0/8'],
      deny: ['127.0.0.1'],
    });
    expect((await exchange(to('127.0.0.1'), '')).toString()).toBe('');
    expect((await exchange(to('::1'), '')).toString()).toBe('in\n');
    server.verifyRequest = accessControl({ allow: ['127.0.0.0/8'] });
    expect((await exchange(to('127.0.0.1'), '')).toString()).toBe('in\n');
    expect((await exchange(to('::1'), '')).toString()).toBe('');
  });

  it('rejects an invalid rule at once, naming it', () => {
    expect(() => accessControl({ allow: ['10.0.0.0/33'] })).toThrow(
      'option "allow" must be IP addresses or CIDR ranges like "10.0.0.0/8" or "fd00::/8"; received "10.0.0.0/33"',
    );
    expect(() => accessControl({ deny: ['example.com'] })).toThrow(
      expect.objectContaining({ option: 'deny' }),
    );
    expect(
      accessControl({ allow: ['10.0.0.0/8'], unix: false })(undefined, {
        family: 'unix',
        path: '',
      }),
    ).toBe(false);
  });
});

describe('limits', () => {
  it('maxConnections: one over the limit is refused at once and counted; a freed slot is reused', async () => {
    const { server } = await serve(MixedHandler, { maxConnections: 2 });
    const held = await Promise.all([
      LineClient.connect(server.serverAddress),
      LineClient.connect(server.serverAddress),
    ]);
    await vi.waitFor(() => expect(server.strategy.active).toBe(2), { timeout: 10_000 });
    // Refused at once: reset, either before or right after the client saw the connection.
    const third = await exchange(server.serverAddress, 'third\n').catch(
      (error: { code?: string }) => error.code,
    );
    expect(['', 'ECONNRESET']).toContain(third?.toString());
    expect(server.stats).toMatchObject({ accepted: 2, refused: 1 });
    held[0]?.write('done\n');
    expect(await held[0]?.line()).toBe('done\n');
    await vi.waitFor(() => expect(server.strategy.active).toBe(1), { timeout: 10_000 });
    expect((await exchange(server.serverAddress, 'again\n')).toString()).toBe('again\n');
    for (const client of held) client.close();
  });

  it('2000 idle connections time out (per-read timeout) while others are served', async () => {
    class Patient extends MixedHandler {
      override timeout = 300;
    }
    const { server } = await serve(Patient);
    let timeouts = 0;
    server.handleError = (_r, _a, error) => {
      if ((error as { code?: string }).code === 'ERR_SOCKSERVE_READ_TIMEOUT') timeouts += 1;
    };
    const idle = await Promise.all(
      Array.from({ length: 2000 }, () => LineClient.connect(server.serverAddress)),
    );
    let served = 0;
    for (let i = 0; i < 20; i += 1) {
      if ((await exchange(server.serverAddress, `busy ${i}\n`)).toString() === `busy ${i}\n`)
        served += 1;
    }
    expect(served).toBe(20);
    await vi.waitFor(() => expect(timeouts).toBe(2000), { timeout: 20_000 });
    const closed = await Promise.all(idle.map((client) => client.rest().catch(() => '')));
    expect(closed.every((rest) => rest === '')).toBe(true);
  });
});

describe('fault tests', () => {
  it('1000 requests with faulty handlers among good ones: every good one is answered', async () => {
    const { server } = await serve(MixedHandler);
    let errors = 0;
    server.handleError = () => {
      errors += 1;
    };
    let good = 0;
    const run = async (c: number) => {
      for (let i = 0; i < 50; i += 1) {
        const bad = (c + i) % 4 === 0;
        const reply = (
          await exchange(server.serverAddress, bad ? `fail ${c}.${i}\n` : `ok ${c}.${i}\n`)
        ).toString();
        if (!bad && reply === `ok ${c}.${i}\n`) good += 1;
      }
    };
    await Promise.all(Array.from({ length: 20 }, (_, c) => run(c)));
    expect(good).toBe(750);
    await vi.waitFor(() => expect(errors).toBe(250), { timeout: 10_000 });
  });

  it('a 64 MiB line with no newline: a clear error, and the server stops reading at the limit', async () => {
    const { server } = await serve(UpperLinesHandler);
    const errors: unknown[] = [];
    server.handleError = (_r, _a, error) => {
      errors.push(error);
    };
    const socket = connect(server.serverAddress as { port: number; host: string });
    socket.on('error', () => {});
    const chunk = Buffer.alloc(1024 * 1024, 0x78);
    let sent = 0;
    for (let i = 0; i < 64 && !socket.destroyed; i += 1) {
      if (!socket.write(chunk))
        await new Promise((resolve) => {
          socket.once('drain', resolve);
          socket.once('close', resolve);
        });
      if (!socket.destroyed) sent += chunk.length;
    }
    await vi.waitFor(() => expect(errors).toHaveLength(1), { timeout: 10_000 });
    socket.destroy();
    expect(errors[0]).toMatchObject({ code: 'ERR_SOCKSERVE_LINE_TOO_LONG', limit: 65536 });
    // Figure: what the client got into the connection before the server closed it.
    expect(sent).toBeLessThan(16 * 1024 * 1024);
  });
});
