/**
 * ForkingStrategy / ForkingMixIn beyond the conformance suite: start-up errors and options,
 * Python's process-per-request semantics (exit statuses, maxChildren, activeChildren,
 * collectChildren), the pre-started pool (reuse, recycling, idle retirement, replacement),
 * and sockets that reach the child as real handles with no byte lost.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exchange, LineClient } from '@sockserve/conformance';
import { BaseRequestHandler } from '@sockserve/core';
import { ForkingStrategy } from '@sockserve/forking';
import { TCPServer } from '@sockserve/tcp';
import { describe, expect, it, vi } from 'vitest';
import { BrokenInChild } from './fixtures/broken-in-child.ts';
import {
  BusyHandler,
  CrashHandler,
  DigestHandler,
  ExecArgvHandler,
  GreetHandler,
  KindHandler,
} from './fixtures/handlers.ts';
import { alive } from './fixtures/processes.ts';
import { closeServersAfterEach, create, ForkingTCPServer, serve } from './fixtures/servers.ts';
import { SpinUntilFileHandler } from './fixtures/spin-until.ts';

closeServersAfterEach();

const pidOf = (reply: Buffer | string) => Number(reply.toString().trim().split(' ').at(-1));

describe('start-up', () => {
  it('a handler class without `static module` is a HandlerLoadError at start-up; no child is left', async () => {
    class Inline extends BaseRequestHandler {}
    const error = await ForkingTCPServer.create({ host: '127.0.0.1', port: 0 }, Inline).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({
      code: 'ERR_SOCKSERVE_HANDLER_LOAD',
      message: expect.stringContaining('another process'),
    });
  });

  it('a module reference to a missing export fails at start-up, naming it', async () => {
    const error = await ForkingTCPServer.create(
      { host: '127.0.0.1', port: 0 },
      { module: new URL('./fixtures/handlers.ts', import.meta.url), export: 'NoSuchHandler' },
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'ERR_SOCKSERVE_HANDLER_LOAD',
      message: expect.stringContaining('NoSuchHandler'),
    });
  });

  it("a handler that cannot load in a child fails start-up with the child's reason", async () => {
    const error = await ForkingTCPServer.create(
      { host: '127.0.0.1', port: 0 },
      BrokenInChild,
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'ERR_SOCKSERVE_HANDLER_LOAD',
      message: expect.stringMatching(/^child \d+ could not load the handler: cannot import/),
    });
  });

  it('rejects bad forking options with errors that name them', () => {
    expect(() => new ForkingStrategy({ maxChildren: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_SOCKSERVE_INVALID_OPTION', option: 'maxChildren' }),
    );
    expect(() => new ForkingStrategy({ mode: 'fork' as 'pool' })).toThrow(
      'option "mode" must be "pool" or "per-request"',
    );
    expect(() => new ForkingStrategy({ mode: 'per-request', maxSpareChildren: 2 })).toThrow(
      expect.objectContaining({ code: 'ERR_SOCKSERVE_INVALID_OPTION', option: 'maxSpareChildren' }),
    );
    expect(() => new ForkingStrategy({ minSpareChildren: 3, maxSpareChildren: 2 })).toThrow(
      expect.objectContaining({ code: 'ERR_SOCKSERVE_INVALID_OPTION', option: 'minSpareChildren' }),
    );
    expect(() => new ForkingStrategy({ minSpareChildren: 5, maxChildren: 4 })).toThrow(
      expect.objectContaining({ option: 'minSpareChildren' }),
    );
    expect(() => new ForkingStrategy({ execArgv: '--inspect' as never })).toThrow(
      expect.objectContaining({ option: 'execArgv' }),
    );
    expect(
      () =>
        new ForkingTCPServer({ host: '127.0.0.1', port: 0 }, BusyHandler, {
          maxChild: 2,
          bindAndActivate: false,
        } as object),
    ).toThrow('unknown option "maxChild" for TCPServer');
  });

  it('the mixin takes Python attributes as subclass fields, and timeout defaults to 300 s', async () => {
    class Small extends ForkingTCPServer {
      override maxChildren = 3;
      override blockOnClose = false;
    }
    const server = new Small({ host: '127.0.0.1', port: 0 }, BusyHandler);
    await server.ready;
    const strategy = server.strategy as ForkingStrategy;
    expect(strategy.maxChildren).toBe(3);
    expect(strategy.blockOnClose).toBe(false);
    expect(server.timeout).toBe(300_000);
    expect(strategy.mode).toBe('pool');
    server.blockOnClose = true;
    await server.serverClose();
    expect(server.activeChildren).toEqual([]);
  });
});

describe("per-request mode (Python's ForkingMixIn)", () => {
  it('runs each request in its own process, which exits with status 0', async () => {
    const { server } = await serve(BusyHandler, { forkingMode: 'per-request' });
    const pids: number[] = [];
    for (let i = 0; i < 3; i += 1) pids.push(pidOf(await exchange(server.serverAddress, 'hi\n')));
    expect(new Set(pids).size).toBe(3);
    expect(pids).not.toContain(process.pid);
    const exits = await server.collectChildren({ blocking: true });
    expect(exits.filter((e) => pids.includes(e.pid))).toEqual(
      pids.map((pid) => ({ pid, code: 0, signal: null })),
    );
    for (const pid of pids) expect(alive(pid)).toBe(false);
    expect(await server.collectChildren()).toEqual([]);
  });

  it('exit status 1 when the handler raised (and handleError got it), 0 when it handled its error', async () => {
    const { server } = await serve(CrashHandler, { forkingMode: 'per-request' });
    const errors: unknown[] = [];
    server.handleError = (_r, _a, error) => {
      errors.push(error);
    };
    await exchange(server.serverAddress, 'throw\n');
    await vi.waitFor(() => expect(errors).toHaveLength(1), { timeout: 10_000 });
    const handled = pidOf(await exchange(server.serverAddress, 'catch\n'));
    const exits = await server.collectChildren({ blocking: true });
    const error = errors[0] as Error;
    const thrower = Number(/^raised in child (\d+)$/.exec(error.message)?.[1]);
    expect(error.stack).toContain(`(thrown in child ${thrower})`);
    expect(error.stack).toContain('fixtures/handlers.ts');
    expect(exits).toContainEqual({ pid: thrower, code: 1, signal: null });
    expect(exits).toContainEqual({ pid: handled, code: 0, signal: null });
  });

  it('at most maxChildren at once: a later request waits for a child to exit', async () => {
    const { server } = await serve(GreetHandler, { forkingMode: 'per-request', maxChildren: 2 });
    const a = await LineClient.connect(server.serverAddress);
    const b = await LineClient.connect(server.serverAddress);
    const running = [pidOf(await a.line()), pidOf(await b.line())];
    expect(server.activeChildren.sort()).toEqual(running.sort());
    const c = await LineClient.connect(server.serverAddress);
    const events: string[] = [];
    const third = c.line().then((line) => {
      events.push('c greeted');
      return pidOf(line);
    });
    await vi.waitFor(() => expect(server.stats.accepted).toBe(3), { timeout: 10_000 });
    expect(server.strategy.active).toBe(2);
    expect(events).toEqual([]);
    a.write('bye\n');
    expect(await a.line()).toBe('bye\n');
    a.close();
    events.push('a done');
    const pid = await third;
    expect(events).toEqual(['a done', 'c greeted']);
    expect(server.activeChildren.length).toBeLessThanOrEqual(2);
    expect(server.activeChildren).toContain(pid);
    expect(running).not.toContain(pid);
    for (const client of [b, c]) {
      client.write('bye\n');
      expect(await client.line()).toBe('bye\n');
      client.close();
    }
  });
});

describe('pool mode (pre-started children, Perl PreFork)', () => {
  it('reuses a child; maxRequestsPerChild recycles it (status 0) and a new one takes over', async () => {
    const { server } = await serve(BusyHandler, { maxChildren: 1, maxRequestsPerChild: 2 });
    const [first] = server.activeChildren;
    const pids: number[] = [];
    for (let i = 0; i < 3; i += 1) pids.push(pidOf(await exchange(server.serverAddress, 'hi\n')));
    expect(pids.slice(0, 2)).toEqual([first, first]);
    expect(pids[2]).not.toBe(first);
    expect(await server.collectChildren({ blocking: true })).toEqual([
      { pid: first, code: 0, signal: null },
    ]);
    expect(server.activeChildren).toEqual([pids[2]]);
  });

  it('idle children above minSpareChildren exit after idleTimeout', async () => {
    const { server } = await serve(GreetHandler, {
      maxChildren: 3,
      minSpareChildren: 1,
      idleTimeout: 20,
    });
    const clients = await Promise.all(
      [1, 2, 3].map(() => LineClient.connect(server.serverAddress)),
    );
    const pids = await Promise.all(clients.map(async (client) => pidOf(await client.line())));
    expect(new Set(pids).size).toBe(3);
    for (const client of clients) {
      client.write('x\n');
      await client.line();
      client.close();
    }
    await vi.waitFor(() => expect(server.activeChildren).toHaveLength(1), { timeout: 10_000 });
  });

  it('a child that dies while idle is replaced, and reported', async () => {
    const exits: string[] = [];
    const { server } = await serve(BusyHandler, {
      minSpareChildren: 2,
      onChildExit: (child, reason) => exits.push(`${child} ${reason}`),
    });
    const [victim] = server.activeChildren as [number];
    process.kill(victim, 'SIGKILL');
    await vi.waitFor(
      () => {
        expect(server.activeChildren).toHaveLength(2);
        expect(server.activeChildren).not.toContain(victim);
      },
      { timeout: 10_000 },
    );
    expect(exits).toEqual([`child ${victim} was killed by SIGKILL`]);
    expect(pidOf(await exchange(server.serverAddress, 'hi\n'))).not.toBe(victim);
  });

  it('a CPU-bound handler does not delay a light request: another child runs it', async () => {
    // The busy handler spins until the light reply has arrived (the test then creates its
    // file): the order can't depend on timing. Served by the same child, the light request
    // would wait for the spin's 20 s bound and come second.
    const dir = mkdtempSync(join(tmpdir(), 'sockserve-spin-'));
    try {
      const release = join(dir, 'release');
      const { server } = await serve(SpinUntilFileHandler, { minSpareChildren: 2 });
      const order: string[] = [];
      const heavy = exchange(server.serverAddress, `spin ${release}\n`).then((r) => {
        order.push(r.toString());
      });
      await vi.waitFor(() => expect(server.strategy.active).toBe(1), { timeout: 10_000 });
      order.push((await exchange(server.serverAddress, 'light\n')).toString());
      writeFileSync(release, '');
      await heavy;
      expect(order.map((reply) => reply.split(' ')[0])).toEqual(['light', 'busy']);
      expect(pidOf(order[0] as string)).not.toBe(pidOf(order[1] as string));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('sockets reach the child as real handles', () => {
  for (const mode of ['pool', 'per-request'] as const) {
    it(`${mode}: the handler gets the net.Socket itself, in a child`, async () => {
      const { server } = await serve(KindHandler, { forkingMode: mode });
      const reply = (await exchange(server.serverAddress, '')).toString();
      expect(reply).toMatch(/^Socket true child \d+\n$/);
      expect(pidOf(reply)).not.toBe(process.pid);
    });

    it(`${mode}: bytes the client sent before the request was dispatched are all there`, async () => {
      const server = await create(DigestHandler, { forkingMode: mode });
      const data = Buffer.alloc(1024 * 1024);
      for (let i = 0; i < data.length; i += 1) data[i] = (i * 7) % 256;
      const socket = connect(server.serverAddress as { host: string; port: number });
      const reply = new Promise<string>((resolve) => {
        let text = '';
        socket.setEncoding('latin1');
        socket.on('data', (chunk: string) => {
          text += chunk;
        });
        socket.on('end', () => resolve(text));
      });
      await new Promise<void>((resolve) => socket.write(data.subarray(0, 65536), () => resolve()));
      await server.handleRequest();
      socket.end(data.subarray(65536));
      const { createHash } = await import('node:crypto');
      expect(await reply).toBe(
        `${data.length} ${createHash('sha256').update(data).digest('hex')}\n`,
      );
    });
  }

  it("transfer: 'relay' relays the bytes instead (the handler gets a RelayDuplex)", async () => {
    const { server } = await serve(KindHandler, { transfer: 'relay' });
    expect((await exchange(server.serverAddress, '')).toString()).toMatch(
      /^RelayDuplex true child \d+\n$/,
    );
  });

  it('children run with the execArgv given', async () => {
    const { server } = await serve(ExecArgvHandler, { execArgv: ['--max-old-space-size=64'] });
    expect(JSON.parse((await exchange(server.serverAddress, '')).toString())).toEqual([
      '--max-old-space-size=64',
    ]);
  });

  it('the plain composition works too: TCPServer with a ForkingStrategy', async () => {
    const strategy = new ForkingStrategy({ mode: 'per-request' });
    const server = await TCPServer.create({ host: '127.0.0.1', port: 0 }, BusyHandler, {
      strategy,
    });
    try {
      const loop = server.serveForever();
      expect(pidOf(await exchange(server.serverAddress, 'x\n'))).not.toBe(process.pid);
      await server.shutdown();
      await loop;
    } finally {
      await server.serverClose();
    }
    expect(strategy.activeChildren).toEqual([]);
  });
});
