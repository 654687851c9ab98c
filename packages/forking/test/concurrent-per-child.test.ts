/**
 * `maxConcurrentPerChild` (issue 20): a pool child runs several requests at once, as a
 * threading worker does, so connections whose handlers wait (a stalled or trickling client)
 * don't hold a whole child each. One request per child stays the default and per-request
 * mode refuses the option. A child that dies fails exactly the requests it held — in the
 * close report and in `request.end` — and the requests of other children are untouched.
 */
import { exchange, LineClient } from '@sockserve/conformance';
import { FORKING_OPTIONS, ForkingStrategy } from '@sockserve/forking';
import { requestEnds } from '@sockserve/test-support';
import { describe, expect, it, vi } from 'vitest';
import { CrashHandler, GreetHandler } from './fixtures/handlers.ts';
import { alive } from './fixtures/processes.ts';
import { closeServersAfterEach, serve } from './fixtures/servers.ts';

closeServersAfterEach();

describe('the option', () => {
  it("defaults to 1 (Python's one request per child)", () => {
    expect(FORKING_OPTIONS.resolve({}).maxConcurrentPerChild).toBe(1);
  });

  it('is an integer of at least 1, and pool-only', () => {
    expect(() => new ForkingStrategy({ maxConcurrentPerChild: 0 })).toThrow(
      expect.objectContaining({
        code: 'ERR_SOCKSERVE_INVALID_OPTION',
        option: 'maxConcurrentPerChild',
      }),
    );
    expect(() => new ForkingStrategy({ maxConcurrentPerChild: 1.5 })).toThrow(
      expect.objectContaining({ option: 'maxConcurrentPerChild' }),
    );
    expect(() => new ForkingStrategy({ mode: 'per-request', maxConcurrentPerChild: 2 })).toThrow(
      expect.objectContaining({
        code: 'ERR_SOCKSERVE_INVALID_OPTION',
        option: 'maxConcurrentPerChild',
        message: expect.stringContaining('left out in mode "per-request"'),
      }),
    );
  });
});

describe('one child, several requests at once', () => {
  it('two stalled connections do not stop a third client: all three run in the one child', async () => {
    const { server } = await serve(GreetHandler, { maxChildren: 1, maxConcurrentPerChild: 3 });
    const stalled = [
      await LineClient.connect(server.serverAddress),
      await LineClient.connect(server.serverAddress),
    ];
    const greetings = await Promise.all(stalled.map((client) => client.line()));
    // Each stalled client got its greeting and then sends half a line and stops.
    for (const client of stalled) client.write('half a li');
    const third = await LineClient.connect(server.serverAddress);
    const greeting = await third.line();
    expect(greetings).toEqual([greeting, greeting]);
    third.write('third\n');
    expect(await third.line()).toBe('third\n');
    third.close();
    expect(server.activeChildren).toHaveLength(1);
    // The stalled ones are still served once they finish their lines.
    for (const client of stalled) client.write('ne\n');
    expect(await Promise.all(stalled.map((client) => client.line()))).toEqual([
      'half a line\n',
      'half a line\n',
    ]);
    for (const client of stalled) client.close();
  });

  it('with the default of 1, a stalled connection holds the only child until it finishes', async () => {
    const { server } = await serve(GreetHandler, { maxChildren: 1 });
    const stalled = await LineClient.connect(server.serverAddress);
    await stalled.line();
    const second = await LineClient.connect(server.serverAddress);
    let greeted = false;
    const greeting = second.line().then((line) => {
      greeted = true;
      return line;
    });
    await vi.waitFor(() => expect(server.stats.accepted).toBe(2));
    expect(greeted).toBe(false);
    stalled.write('done\n');
    expect(await stalled.line()).toBe('done\n');
    stalled.close();
    expect(await greeting).toMatch(/^hello \d+\n$/);
    second.close();
  });
});

describe('exit accounting', () => {
  it('a child recycled after maxRequestsPerChild concurrent requests exits 0 once both ended, unreported', async () => {
    const exits: string[] = [];
    const { server } = await serve(GreetHandler, {
      maxChildren: 1,
      maxConcurrentPerChild: 3,
      maxRequestsPerChild: 2,
      onChildExit: (child, reason) => exits.push(`${child} ${reason}`),
    });
    const clients = [
      await LineClient.connect(server.serverAddress),
      await LineClient.connect(server.serverAddress),
    ];
    const greetings = await Promise.all(clients.map((client) => client.line()));
    const pid = Number(greetings[0]?.split(' ')[1]);
    expect(greetings).toEqual([`hello ${pid}\n`, `hello ${pid}\n`]);
    for (const client of clients) client.write('bye\n');
    for (const client of clients) expect(await client.rest()).toBe('bye\n');
    const next = await LineClient.connect(server.serverAddress);
    expect(await next.line()).toMatch(/^hello \d+\n$/);
    next.close();
    const collected = await server.collectChildren({ blocking: true });
    expect(collected).toContainEqual({ pid, code: 0, signal: null });
    expect(server.activeChildren).not.toContain(pid);
    expect(exits).toEqual([]);
  });
});

describe('a child that dies with several requests', () => {
  it('fails exactly the requests it held (close report, request.end); the next is served', async () => {
    const exits: string[] = [];
    const { server } = await serve(CrashHandler, {
      maxChildren: 1,
      maxConcurrentPerChild: 3,
      onChildExit: (child, reason) => exits.push(`${child} ${reason}`),
    });
    const errors: unknown[] = [];
    server.handleError = (_request, _address, error) => void errors.push(error);
    await requestEnds(server, async (ends) => {
      const victims = [
        await LineClient.connect(server.serverAddress),
        await LineClient.connect(server.serverAddress),
      ];
      for (const client of victims) client.write('hang\n');
      const pids = await Promise.all(victims.map(async (client) => Number(await client.line())));
      const pid = pids[0] as number;
      expect(pids).toEqual([pid, pid]);
      process.kill(pid, 'SIGKILL');
      for (const client of victims) expect(await client.rest().catch(() => '')).toBe('');
      const failure = {
        code: 'ERR_SOCKSERVE_RUNNER_EXIT',
        message: `child ${pid} was killed by SIGKILL while running this request`,
      };
      await vi.waitFor(() => expect(ends).toHaveLength(2));
      expect(ends).toEqual([expect.objectContaining(failure), expect.objectContaining(failure)]);
      expect(errors).toEqual(ends);
      expect(exits).toEqual([`child ${pid} was killed by SIGKILL`]);
      expect(alive(pid)).toBe(false);
      const next = (await exchange(server.serverAddress, 'next\n')).toString();
      expect(next).toMatch(/^ok \d+\n$/);
      expect(next).not.toContain(String(pid));
      await vi.waitFor(() => expect(ends).toHaveLength(3));
      expect(ends[2]).toBeUndefined();
      await server.shutdown();
      const report = await server.serverClose();
      expect(report).toMatchObject({ accepted: 3, finished: 3, failed: 2, cut: 0, dropped: 0 });
    });
  });

  it("another child's requests are untouched", async () => {
    const { server } = await serve(CrashHandler, {
      maxChildren: 2,
      maxConcurrentPerChild: 2,
      onChildExit: () => {},
    });
    server.handleError = () => {};
    const clients: LineClient[] = [];
    // Least-loaded placement: two requests in each child.
    for (let i = 0; i < 4; i += 1) {
      const client = await LineClient.connect(server.serverAddress);
      client.write('hang\n');
      clients.push(client);
    }
    const pids = await Promise.all(clients.map(async (client) => Number(await client.line())));
    const victim = pids[0] as number;
    expect(new Set(pids).size).toBe(2);
    expect(pids.filter((pid) => pid === victim)).toHaveLength(2);
    process.kill(victim, 'SIGKILL');
    for (const [i, client] of clients.entries()) {
      if (pids[i] === victim) expect(await client.rest().catch(() => '')).toBe('');
    }
    await vi.waitFor(() => expect(server.strategy.active).toBe(2));
    const survivor = pids.find((pid) => pid !== victim) as number;
    expect(alive(survivor)).toBe(true);
    expect(server.activeChildren).toContain(survivor);
    for (const client of clients) client.close();
  });
});
