/**
 * A handler that ignores its `signal` (stuck in a call without a timeout) must not hold the
 * server once a deadline or a forced close has ended its request: the sequential loop serves
 * the next request, and an async in-flight slot is given back.
 */
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import {
  AsyncStrategy,
  BaseRequestHandler,
  type ConcurrencyStrategy,
  RequestTimeoutError,
  SequentialStrategy,
} from '../src/index.js';
import { LineServer } from './fixtures/line-server.js';
import { readAll, useResources } from './fixtures/net.js';

const resources = useResources();

/** Answers the first line "stuck" with "stuck" and then never returns; anything else is echoed. */
class StuckOnRequest extends BaseRequestHandler<Socket> {
  static readonly module = import.meta.url;
  override async handle(): Promise<void> {
    const [line] = (await once(this.request, 'data')) as [Buffer];
    if (line.toString() === 'stuck\n') {
      this.request.write('stuck\n');
      await new Promise(() => {});
    }
    this.request.end(line);
  }
}

/** Returns only after its deadline ended the request (its signal aborted, a turn later); counts finish(). */
class ReturnsLate extends BaseRequestHandler<Socket> {
  static finished = 0;
  override async handle(): Promise<void> {
    this.request.write('late\n');
    await new Promise((resolve) => this.signal.addEventListener('abort', resolve, { once: true }));
    await nextTurn();
  }
  override finish(): void {
    ReturnsLate.finished += 1;
  }
}

async function ask(address: Parameters<typeof resources.client>[0], line: string) {
  const socket = await resources.client(address);
  socket.write(line);
  const chunks: Buffer[] = [];
  for await (const chunk of socket) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

const strategies: Array<[string, () => ConcurrencyStrategy<Socket>]> = [
  ['sequential', () => new SequentialStrategy()],
  ['async, maxInFlight 1', () => new AsyncStrategy({ maxInFlight: 1 })],
];

describe.each(strategies)('%s', (_name, strategy) => {
  it('requestTimeout ends a stuck request and the next one is served', async () => {
    const errors: unknown[] = [];
    class Recording extends LineServer {
      override handleError(_request: Socket, _address: unknown, error: unknown): void {
        errors.push(error);
      }
    }
    const server = resources.server(
      await Recording.create(StuckOnRequest, { strategy: strategy(), requestTimeout: 50 }),
    );
    void server.serveForever();
    expect(await ask(server.serverAddress, 'stuck\n')).toBe('stuck\n');
    // Read at each request: the next one gets no deadline, so a loaded machine can't cut it.
    server.requestTimeout = null;
    expect(await ask(server.serverAddress, 'next\n')).toBe('next\n');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(RequestTimeoutError);
  });

  it('a forced close (timeout 0) cuts a stuck request and completes', async () => {
    const server = await LineServer.create(StuckOnRequest, { strategy: strategy() });
    const loop = server.serveForever();
    const socket = await resources.client(server.serverAddress);
    socket.write('stuck\n');
    await once(socket, 'data');
    const report = await server.serverClose({ timeout: 0 });
    await loop;
    expect(report).toMatchObject({ accepted: 1, cut: 1, finished: 0 });
  });

  it('finish() still runs when handle() returns after its deadline ended the request', async () => {
    ReturnsLate.finished = 0;
    const errors: unknown[] = [];
    class Recording extends LineServer {
      override handleError(_request: Socket, _address: unknown, error: unknown): void {
        errors.push(error);
      }
    }
    const server = resources.server(
      await Recording.create(ReturnsLate, { strategy: strategy(), requestTimeout: 50 }),
    );
    void server.serveForever();
    // The deadline resets the connection; what came before it arrived.
    const socket = await resources.client(server.serverAddress);
    socket.write('x\n');
    expect((await readAll(socket)).data).toBe('late\n');
    await vi.waitFor(() => expect(ReturnsLate.finished).toBe(1));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(RequestTimeoutError);
  });
});
