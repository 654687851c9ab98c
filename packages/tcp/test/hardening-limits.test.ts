/**
 * Production hardening on a real TCP server: limits (`maxConnections`, the per-read timeout
 * under 2000 idle connections) and fault tests — faulty handlers among good ones, a line
 * past the limit — that report their figures.
 */
import { connect } from 'node:net';
import { exchange, LineClient, UpperLinesHandler } from '@sockserve/conformance';
import { closeAfterEach } from '@sockserve/test-support';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TCPServer } from '../src/index.js';
import { asyncServe, MixedHandler } from './fixtures/hardening.js';

const { servers: open } = closeAfterEach<TCPServer>({ afterEach }, { closeTimeout: 100 });
const serve = asyncServe(open);

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
