/** StreamRequestHandler: rfile / wfile over a real accepted loopback socket. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  LineTooLongError,
  ReadTimeoutError,
  StreamClosedError,
  StreamReader,
  StreamRequestHandler,
  StreamWriter,
} from '../src/index.js';
import { isPending, Loopback, patternBuffer, peerAddress, readToEnd } from './helpers.js';

const net = new Loopback();
afterEach(async () => {
  vi.restoreAllMocks();
  await net.closeAll();
});

const SERVER = { name: 'test server' };

/** Runs a handler the way a server does: setup, handle, and finish even when handle throws. */
async function run(handler: StreamRequestHandler): Promise<void> {
  await handler.setup();
  try {
    await handler.handle();
  } finally {
    await handler.finish();
  }
}

class UpperEcho extends StreamRequestHandler {
  override async handle(): Promise<void> {
    for await (const line of this.rfile) await this.wfile.write(line.toString().toUpperCase());
  }
}

describe('setup', () => {
  it('creates rfile and wfile over the request and keeps the handler arguments', async () => {
    const { server } = await net.pair();
    const setNoDelay = vi.spyOn(server, 'setNoDelay');
    const handler = new StreamRequestHandler(server, peerAddress(server), SERVER);
    await handler.setup();
    expect(handler.request).toBe(server);
    expect(handler.server).toBe(SERVER);
    expect(handler.clientAddress).toEqual({
      family: 'IPv4',
      host: '127.0.0.1',
      port: server.remotePort,
    });
    expect(handler.rfile).toBeInstanceOf(StreamReader);
    expect(handler.wfile).toBeInstanceOf(StreamWriter);
    expect(handler.rfile.timeout).toBeNull();
    expect(handler.rfile.maxLineLength).toBe(65536);
    expect(setNoDelay).not.toHaveBeenCalled();
  });

  it('passes the timeout and maxLineLength class fields to rfile', async () => {
    class Strict extends StreamRequestHandler {
      override timeout: number | null = 30;
      override maxLineLength = 8;
    }
    const { server } = await net.pair();
    const handler = new Strict(server, peerAddress(server), SERVER);
    await handler.setup();
    expect(handler.rfile.timeout).toBe(30);
    expect(handler.rfile.maxLineLength).toBe(8);
  });

  it('disableNagleAlgorithm calls setNoDelay(true) on the socket', async () => {
    class NoDelay extends StreamRequestHandler {
      override disableNagleAlgorithm = true;
    }
    const { client, server } = await net.pair();
    const setNoDelay = vi.spyOn(server, 'setNoDelay');
    const handler = new NoDelay(server, peerAddress(server), SERVER);
    await handler.setup();
    expect(setNoDelay).toHaveBeenCalledTimes(1);
    expect(setNoDelay).toHaveBeenCalledWith(true);
    // The real method ran: the socket still works.
    await handler.wfile.write('ok');
    server.end();
    expect((await readToEnd(client)).toString()).toBe('ok');
  });
});

describe('a full request', () => {
  it('serves lines through rfile and wfile', async () => {
    const { client, server } = await net.pair();
    const handler = new UpperEcho(server, peerAddress(server), SERVER);
    client.write('hello\n');
    client.end('world\n');
    await run(handler);
    server.end(); // what the server's shutdownRequest does
    expect((await readToEnd(client)).toString()).toBe('HELLO\nWORLD\n');
  });

  it('surfaces ReadTimeoutError from rfile when the client sends nothing', async () => {
    class Waiting extends UpperEcho {
      override timeout: number | null = 30;
    }
    const { server } = await net.pair();
    const handler = new Waiting(server, peerAddress(server), SERVER);
    const error = await run(handler).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReadTimeoutError);
    expect(error).toMatchObject({ code: 'ERR_SOCKSERVE_READ_TIMEOUT', timeout: 30 });
    expect(handler.wfile.closed).toBe(true);
  });

  it('surfaces LineTooLongError from rfile for a line over maxLineLength', async () => {
    class Short extends UpperEcho {
      override maxLineLength = 8;
    }
    const { client, server } = await net.pair();
    const handler = new Short(server, peerAddress(server), SERVER);
    client.write('fits\nmuch too long\n');
    const error = await run(handler).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LineTooLongError);
    expect(error).toMatchObject({ code: 'ERR_SOCKSERVE_LINE_TOO_LONG', limit: 8 });
    server.end();
    expect((await readToEnd(client)).toString()).toBe('FITS\n');
  });
});

describe('finish', () => {
  it('waits for wfile to flush, then closes it without ending the socket', async () => {
    const body = patternBuffer(8 << 20);
    class Bulk extends StreamRequestHandler {
      override handle(): void {
        void this.wfile.write(body).catch(() => {}); // not awaited: finish must flush it
      }
    }
    const { client, server } = await net.pair();
    client.pause();
    const handler = new Bulk(server, peerAddress(server), SERVER);
    await handler.setup();
    await handler.handle();
    expect(server.writableNeedDrain).toBe(true);
    const finished = handler.finish();
    expect(finished).toBeInstanceOf(Promise);
    expect(await isPending(finished as Promise<void>)).toBe(true);

    const received = readToEnd(client);
    client.resume();
    await finished;
    expect(server.writableLength).toBe(0);
    expect(handler.wfile.closed).toBe(true);
    await expect(handler.wfile.write('more')).rejects.toBeInstanceOf(StreamClosedError);
    expect(server.writableEnded).toBe(false);
    expect(server.destroyed).toBe(false);

    server.end();
    expect((await received).equals(body)).toBe(true);
  });

  it('does not reject when the client vanished while wfile was flushing', async () => {
    class Bulk extends StreamRequestHandler {
      override handle(): void {
        void this.wfile.write(patternBuffer(8 << 20)).catch(() => {});
      }
    }
    const { client, server } = await net.pair();
    client.pause();
    const handler = new Bulk(server, peerAddress(server), SERVER);
    await handler.setup();
    await handler.handle();
    const finished = handler.finish() as Promise<void>;
    expect(await isPending(finished)).toBe(true);
    client.resetAndDestroy();
    await expect(finished).resolves.toBeUndefined();
    expect(handler.wfile.closed).toBe(true);
    expect(server.destroyed).toBe(true);
  });

  it('closes both files at once, without a promise, when nothing waits to be flushed', async () => {
    const { client, server } = await net.pair();
    const handler = new UpperEcho(server, peerAddress(server), SERVER);
    const reply = handler.wfile.write('answer\n');
    expect(server.writableNeedDrain).toBe(false);
    expect(handler.finish()).toBeUndefined();
    await reply;
    expect(handler.wfile.closed).toBe(true);
    await expect(handler.wfile.write('more')).rejects.toBeInstanceOf(StreamClosedError);
    expect(server.writableEnded).toBe(false);
    server.end();
    expect((await readToEnd(client)).toString()).toBe('answer\n');
  });

  it('closes rfile, handing unread bytes back to the socket', async () => {
    class OneLine extends StreamRequestHandler {
      line = '';
      override async handle(): Promise<void> {
        this.line = (await this.rfile.readline()).toString();
      }
    }
    const { client, server } = await net.pair();
    const handler = new OneLine(server, peerAddress(server), SERVER);
    client.write('command\npayload');
    await run(handler);
    expect(handler.line).toBe('command\n');
    expect(server.listenerCount('readable')).toBe(0);
    const next = new StreamReader(server);
    client.end(' tail');
    expect((await next.read()).toString()).toBe('payload tail');
  });

  it('runs after handle threw, and the error reaches the caller', async () => {
    class Failing extends StreamRequestHandler {
      override async handle(): Promise<void> {
        await this.wfile.write('partial answer');
        throw new Error('handler failed');
      }
    }
    const { client, server } = await net.pair();
    const handler = new Failing(server, peerAddress(server), SERVER);
    await expect(run(handler)).rejects.toThrow('handler failed');
    expect(handler.wfile.closed).toBe(true);
    server.end();
    expect((await readToEnd(client)).toString()).toBe('partial answer');
  });
});
