/**
 * ThreadingStrategy / ThreadingMixIn beyond the conformance suite: start-up errors, CPU-bound
 * isolation, worker crashes, shared state, closing with and without daemon threads, and
 * nothing left behind after many requests.
 */

import { exchange, LineClient } from '@sockserve/conformance';
import { BaseRequestHandler, type HandlerSource } from '@sockserve/core';
import { TCPServer, type TCPServerOptions } from '@sockserve/tcp';
import { ThreadingMixIn, type ThreadingOptions, ThreadingStrategy } from '@sockserve/threading';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  BusyHandler,
  CountingHandler,
  CrashHandler,
  StagedHandler,
  WaitForLineHandler,
} from './fixtures/handlers.ts';

class ThreadingTCPServer extends ThreadingMixIn(TCPServer) {}

const open: ThreadingTCPServer[] = [];
afterEach(async () => {
  for (const server of open.splice(0)) {
    server.daemonThreads = true;
    await server.shutdown();
    await server.serverClose();
  }
});

async function serve(handler: HandlerSource, options: ThreadingOptions & TCPServerOptions = {}) {
  const server = await ThreadingTCPServer.create({ host: '127.0.0.1', port: 0 }, handler, options);
  open.push(server);
  const loop = server.serveForever();
  loop.catch(() => {});
  return { server, loop };
}

describe('start-up', () => {
  it('a handler class without `static module` is a HandlerLoadError at start-up, and nothing listens', async () => {
    class Inline extends BaseRequestHandler {}
    const error = await ThreadingTCPServer.create({ host: '127.0.0.1', port: 0 }, Inline).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({
      code: 'ERR_SOCKSERVE_HANDLER_LOAD',
      message: expect.stringContaining('static readonly module = import.meta.url'),
    });
  });

  it('a module reference to a missing export fails at start-up, naming the exports', async () => {
    const error = await ThreadingTCPServer.create(
      { host: '127.0.0.1', port: 0 },
      {
        module: new URL('./fixtures/handlers.ts', import.meta.url),
        export: 'NoSuchHandler',
      },
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'ERR_SOCKSERVE_HANDLER_LOAD',
      message: expect.stringContaining('NoSuchHandler'),
    });
  });

  it('rejects bad threading options with errors that name them', () => {
    expect(() => new ThreadingStrategy({ maxWorkers: 0 })).toThrow(
      expect.objectContaining({ option: 'maxWorkers' }),
    );
    expect(() => new ThreadingStrategy({ transfer: 'move' as 'auto' })).toThrow(
      'option "transfer" must be "auto" or "relay"',
    );
    expect(
      () =>
        new ThreadingTCPServer({ host: '127.0.0.1', port: 0 }, BusyHandler, {
          maxWorker: 2,
          bindAndActivate: false,
        } as object),
    ).toThrow('unknown option "maxWorker" for TCPServer');
  });
});

describe('concurrency', () => {
  it('a CPU-bound handler does not delay a light request while another worker is free', async () => {
    const { server } = await serve(BusyHandler, { maxWorkers: 2, minWorkers: 2 });
    const order: string[] = [];
    const heavy = exchange(server.serverAddress, 'busy 300\n').then((r) =>
      order.push(r.toString().split(' ')[0] as string),
    );
    const heavyWorker = vi.waitFor(() => expect(server.strategy.active).toBe(1), {
      timeout: 10_000,
    });
    await heavyWorker;
    const light = await exchange(server.serverAddress, 'light\n');
    order.push(light.toString().split(' ')[0] as string);
    await heavy;
    expect(order).toEqual(['light', 'busy']);
  });

  it('spreads sequential requests over idle workers (three workers, three names)', async () => {
    const { server } = await serve(BusyHandler, { maxWorkers: 3, minWorkers: 3 });
    const names = new Set<string>();
    for (let i = 0; i < 3; i += 1) {
      const reply = (await exchange(server.serverAddress, 'hi\n')).toString().trim();
      names.add(reply.slice(reply.indexOf(' ') + 1));
    }
    expect([...names].sort()).toEqual(['worker 1', 'worker 2', 'worker 3']);
  });

  it('1000 short connections, 20 at a time: every one answered, nothing left behind', async () => {
    const { server } = await serve(WaitForLineHandler, { maxWorkers: 2 });
    let answered = 0;
    const client = async (c: number) => {
      for (let i = 0; i < 50; i += 1) {
        const line = `c${c} #${i}\n`;
        if ((await exchange(server.serverAddress, line)).toString() === line) answered += 1;
      }
    };
    await Promise.all(Array.from({ length: 20 }, (_, c) => client(c)));
    expect(answered).toBe(1000);
    await vi.waitFor(() => expect(server.strategy.active).toBe(0), { timeout: 10_000 });
    expect((server.strategy as ThreadingStrategy).runners).toBeLessThanOrEqual(2);
  });

  it('idle workers retire after idleTimeout, down to minWorkers', async () => {
    const { server } = await serve(BusyHandler, { maxWorkers: 2, minWorkers: 0, idleTimeout: 20 });
    await Promise.all([
      exchange(server.serverAddress, 'busy 50\n'),
      exchange(server.serverAddress, 'busy 50\n'),
    ]);
    await vi.waitFor(() => expect((server.strategy as ThreadingStrategy).runners).toBe(0), {
      timeout: 10_000,
    });
    expect((await exchange(server.serverAddress, 'again\n')).toString()).toMatch(
      /^again worker \d+\n$/,
    );
  });
});

describe('spare workers', () => {
  it('minSpareWorkers keeps a worker with no request ready; maxSpareWorkers trims the rest', async () => {
    const { server } = await serve(WaitForLineHandler, {
      maxWorkers: 3,
      minSpareWorkers: 1,
      maxSpareWorkers: 1,
    });
    const strategy = server.strategy as ThreadingStrategy;
    expect(strategy.runners).toBe(1);
    const clients: LineClient[] = [];
    for (const expected of [2, 3, 3]) {
      // A request goes to a loaded worker with room before a starting one (issue 20): the
      // spare must have loaded for the next request to take it.
      await vi.waitFor(() => expect(strategy.readyRunners).toBe(strategy.runners), {
        timeout: 10_000,
      });
      clients.push(await LineClient.connect(server.serverAddress));
      await vi.waitFor(() => expect(strategy.active).toBe(clients.length), { timeout: 10_000 });
      // The spare is started when a request takes the last one; never past maxWorkers.
      expect(strategy.runners).toBe(expected);
    }
    for (const client of clients) {
      client.write('bye\n');
      expect(await client.line()).toBe('bye\n');
      client.close();
    }
    await vi.waitFor(() => expect(strategy.runners).toBe(1), { timeout: 10_000 });
  });

  it('rejects spare bounds that contradict each other, naming the option', () => {
    expect(() => new ThreadingStrategy({ maxWorkers: 2, minSpareWorkers: 3 })).toThrow(
      expect.objectContaining({ code: 'ERR_SOCKSERVE_INVALID_OPTION', option: 'minSpareWorkers' }),
    );
    expect(() => new ThreadingStrategy({ minSpareWorkers: 2, maxSpareWorkers: 1 })).toThrow(
      expect.objectContaining({ code: 'ERR_SOCKSERVE_INVALID_OPTION', option: 'minSpareWorkers' }),
    );
  });
});

describe('worker failures', () => {
  for (const [what, line, reason] of [
    ['process.exit() in handler code', 'exit', /exited with code 3/],
    ['an uncaught error in a worker', 'throw-later', /crashed: Error: uncaught in a worker/],
  ] as const) {
    it(`${what} fails only its request; the worker is replaced and reported`, async () => {
      const exits: string[] = [];
      const { server } = await serve(CrashHandler, {
        maxWorkers: 1,
        onWorkerExit: (worker: string, why: string) => exits.push(`${worker}: ${why}`),
      });
      const errors: unknown[] = [];
      server.handleError = (_r, _a, error) => {
        errors.push(error);
      };
      expect((await exchange(server.serverAddress, `${line}\n`)).toString()).toBe('');
      await vi.waitFor(() => expect(errors).toHaveLength(1), { timeout: 10_000 });
      expect(errors[0]).toMatchObject({ code: 'ERR_SOCKSERVE_RUNNER_EXIT' });
      expect(exits).toEqual([expect.stringMatching(reason)]);
      expect((await exchange(server.serverAddress, 'fine\n')).toString()).toMatch(
        /^ok worker 2\n$/,
      );
    });
  }

  it('a worker out of memory under resourceLimits fails only its request', async () => {
    const exits: string[] = [];
    const { server } = await serve(CrashHandler, {
      maxWorkers: 1,
      resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 },
      onWorkerExit: (_worker: string, why: string) => exits.push(why),
    });
    server.handleError = () => {};
    expect((await exchange(server.serverAddress, 'oom\n')).toString()).toBe('');
    await vi.waitFor(() => expect(exits).toEqual(['ran out of memory (resourceLimits)']), {
      timeout: 10_000,
    });
    expect((await exchange(server.serverAddress, 'fine\n')).toString()).toMatch(/^ok worker 2\n$/);
  });
});

describe('deadlines', () => {
  it('requestTimeout ends a handler in a worker that waits for ever; the error has its code', async () => {
    const { server } = await serve(WaitForLineHandler, { maxWorkers: 1, requestTimeout: 50 });
    const errors: unknown[] = [];
    server.handleError = (_r, _a, error) => {
      errors.push(error);
    };
    const client = await LineClient.connect(server.serverAddress);
    expect(await client.rest().catch(() => '')).toBe('');
    await vi.waitFor(() => expect(errors).toHaveLength(1), { timeout: 10_000 });
    expect(errors[0]).toMatchObject({ code: 'ERR_SOCKSERVE_REQUEST_TIMEOUT', timeout: 50 });
    expect((await exchange(server.serverAddress, 'after\n')).toString()).toBe('after\n');
  });
});

describe('shared state', () => {
  it('handlers share a SharedArrayBuffer given as workerData (Atomics)', async () => {
    const memory = new SharedArrayBuffer(4);
    const { server } = await serve(CountingHandler, {
      maxWorkers: 2,
      minWorkers: 2,
      workerData: memory,
    });
    const replies = await Promise.all(
      Array.from({ length: 10 }, () => exchange(server.serverAddress, 'add\n')),
    );
    expect(replies.map((r) => Number(r.toString())).sort((a, b) => a - b)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
    ]);
    expect(new Int32Array(memory)[0]).toBe(10);
  });
});

describe('closing (Python block_on_close / daemon_threads)', () => {
  it('serverClose() waits for a running handler by default, and reports it finished', async () => {
    const { server } = await serve(StagedHandler, { maxWorkers: 1 });
    const client = await LineClient.connect(server.serverAddress);
    client.write('work\n');
    expect(await client.line()).toBe('got\n');
    let closed = false;
    const closing = server.serverClose().then((report) => {
      closed = true;
      return report;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(false);
    expect(await client.line()).toBe('done worker 1\n');
    expect(await closing).toMatchObject({ accepted: 1, finished: 1, cut: 0, detached: 0 });
    client.close();
  });

  it('an idle connection in a worker is closed at once when the server closes', async () => {
    const { server } = await serve(WaitForLineHandler, { maxWorkers: 1 });
    const client = await LineClient.connect(server.serverAddress);
    await vi.waitFor(() => expect(server.strategy.active).toBe(1), { timeout: 10_000 });
    await server.serverClose();
    expect(await client.rest()).toBe('');
  });

  it('with daemonThreads (a subclass field, as in Python) serverClose() does not wait', async () => {
    class DaemonServer extends ThreadingMixIn(TCPServer) {
      override daemonThreads = true;
    }
    const server = await DaemonServer.create({ host: '127.0.0.1', port: 0 }, WaitForLineHandler, {
      maxWorkers: 1,
    });
    server.serveForever().catch(() => {});
    const client = await LineClient.connect(server.serverAddress);
    await vi.waitFor(() => expect(server.strategy.active).toBe(1), { timeout: 10_000 });
    await server.shutdown();
    await server.serverClose();
    expect(await client.rest().catch(() => '')).toBe('');
    client.close();
  });
});
