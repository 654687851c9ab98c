/**
 * Production hardening on a real TCP server: the request deadline (`requestTimeout`) ends a
 * handler that never returns, and one whose client never reads, while serving goes on.
 */
import { connect, type Socket } from 'node:net';
import { connectTo, exchange, readToEnd } from '@sockserve/conformance';
import { StreamRequestHandler } from '@sockserve/stream';
import { closeAfterEach } from '@sockserve/test-support';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TCPServer } from '../src/index.js';
import { asyncServe } from './fixtures/hardening.js';

const { servers: open } = closeAfterEach<TCPServer>({ afterEach }, { closeTimeout: 100 });
const serve = asyncServe(open);

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
