/**
 * Closing and signals: `serverClose()` with and without `blockOnClose`, a close timeout that
 * cuts a busy child, SIGTERM / Ctrl-C (SIGINT to the process group) to a server's process
 * draining and stopping its children, children exiting when that process dies, and many
 * short connections with nothing lost and nothing left behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { exchange, LineClient } from '@sockserve/conformance';
import { describe, expect, it, vi } from 'vitest';
import { BusyHandler, UntilSignalHandler, WorkHandler } from './fixtures/handlers.ts';
import { alive, childrenOf, processInfo } from './fixtures/processes.ts';
import { closeServersAfterEach, ForkingTCPServer, serve } from './fixtures/servers.ts';

closeServersAfterEach();

const pidOf = (line: string) => Number(line.trim().split(' ').at(-1));

describe('serverClose (Python block_on_close)', () => {
  it('waits for a running child by default, and reports the request finished', async () => {
    const { server } = await serve(WorkHandler);
    const client = await LineClient.connect(server.serverAddress);
    client.write('200\n');
    const pid = pidOf(await client.line());
    let closed = false;
    const closing = server.serverClose().then((report) => {
      closed = true;
      return report;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(false);
    expect(await client.line()).toBe('done\n');
    expect(await closing).toMatchObject({ accepted: 1, finished: 1, cut: 0, detached: 0 });
    expect(alive(pid)).toBe(false);
    client.close();
  });

  it('with blockOnClose false (a subclass field) it does not wait; the child finishes, then exits', async () => {
    class NonBlocking extends ForkingTCPServer {
      override blockOnClose = false;
    }
    const server = await NonBlocking.create({ host: '127.0.0.1', port: 0 }, UntilSignalHandler, {
      forkingMode: 'per-request',
    });
    server.serveForever().catch(() => {});
    const client = await LineClient.connect(server.serverAddress);
    client.write('go\n');
    const pid = pidOf(await client.line());
    const events: string[] = [];
    const reply = client.line().then((line) => events.push(line.trim()));
    await server.shutdown();
    await server.serverClose();
    events.push('closed');
    // The child works until told to stop (SIGUSR2), so it is still running however long the
    // close took; then it finishes its request and exits.
    expect(alive(pid)).toBe(true);
    process.kill(pid, 'SIGUSR2');
    await reply;
    expect(events).toEqual(['closed', 'done']);
    client.close();
    await vi.waitFor(() => expect(alive(pid)).toBe(false), { timeout: 20_000 });
  });

  it('serverClose({ timeout }) stops a child still busy after it, and reports it cut', async () => {
    const { server } = await serve(WorkHandler, { forkingMode: 'per-request' });
    const client = await LineClient.connect(server.serverAddress);
    client.write('60000\n');
    const pid = pidOf(await client.line());
    expect(await server.serverClose({ timeout: 50 })).toMatchObject({ finished: 0, cut: 1 });
    expect(alive(pid)).toBe(false);
    expect(await client.rest().catch(() => '')).toBe('');
  });
});

describe('many connections', () => {
  it('pool: 1000 short connections, 20 at a time: every one answered, nothing left behind', async () => {
    const { server } = await serve(BusyHandler, { maxChildren: 4, minSpareChildren: 4 });
    let answered = 0;
    const client = async (c: number) => {
      for (let i = 0; i < 50; i += 1) {
        const reply = (await exchange(server.serverAddress, `c${c}#${i}\n`)).toString();
        if (reply.startsWith(`c${c}#${i} `)) answered += 1;
      }
    };
    await Promise.all(Array.from({ length: 20 }, (_, c) => client(c)));
    expect(answered).toBe(1000);
    await vi.waitFor(() => expect(server.strategy.active).toBe(0), { timeout: 10_000 });
    expect(server.activeChildren.length).toBeLessThanOrEqual(4);
    expect(server.stats).toMatchObject({ accepted: 1000, refused: 0 });
  }, 60_000);

  it('per-request: 20 connections, 10 at a time, a process each, every one answered', async () => {
    const { server } = await serve(BusyHandler, { forkingMode: 'per-request', maxChildren: 10 });
    const pids = new Set<number>();
    const client = async (c: number) => {
      for (let i = 0; i < 2; i += 1) {
        const reply = (await exchange(server.serverAddress, `c${c}#${i}\n`)).toString();
        expect(reply).toMatch(new RegExp(`^c${c}#${i} \\d+\\n$`));
        pids.add(pidOf(reply));
        expect(server.activeChildren.length).toBeLessThanOrEqual(10);
      }
    };
    await Promise.all(Array.from({ length: 10 }, (_, c) => client(c)));
    expect(pids.size).toBe(20);
    await server.collectChildren({ blocking: true });
    expect(server.activeChildren.length).toBeLessThanOrEqual(1);
  }, 60_000);
});

const PARENT = fileURLToPath(new URL('./fixtures/parent-server.ts', import.meta.url));

/** Starts parent-server.ts in its own process group; resolves once it listens. */
async function startParent(mode: string): Promise<{ parent: ChildProcess; port: number }> {
  const parent = spawn(process.execPath, [PARENT, mode], {
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  });
  const lines = createInterface({ input: parent.stdout as NodeJS.ReadableStream });
  const [line] = (await once(lines, 'line')) as [string];
  return { parent, port: Number(line.replace('listening ', '')) };
}

/** True once `pid` has exited: gone, or a zombie left to whoever adopted it. */
function exited(pid: number): boolean {
  const info = processInfo(pid);
  return info === undefined || info.state === 'Z';
}

describe('signals to the server process', () => {
  for (const [what, mode, send] of [
    ['SIGTERM to the server', 'pool', (pid: number) => process.kill(pid, 'SIGTERM')],
    ['SIGTERM to the server', 'per-request', (pid: number) => process.kill(pid, 'SIGTERM')],
    ['Ctrl-C (SIGINT to the process group)', 'pool', (pid: number) => process.kill(-pid, 'SIGINT')],
    [
      'Ctrl-C (SIGINT to the process group)',
      'per-request',
      (pid: number) => process.kill(-pid, 'SIGINT'),
    ],
  ] as const) {
    it(`${mode}: ${what} lets the running request finish, then stops the children`, async () => {
      const { parent, port } = await startParent(mode);
      const exit = once(parent, 'exit');
      const pid = parent.pid as number;
      const client = await LineClient.connect({ family: 'IPv4', host: '127.0.0.1', port });
      client.write('300\n');
      const child = pidOf(await client.line());
      expect(processInfo(child)?.ppid).toBe(pid);
      const children = childrenOf(pid);
      send(pid);
      expect(await client.line()).toBe('done\n');
      client.close();
      expect(await exit).toEqual([0, null]);
      for (const c of children) expect(exited(c)).toBe(true);
    });
  }

  it('when the server process dies (SIGKILL), its children exit', async () => {
    const { parent, port } = await startParent('pool');
    const exit = once(parent, 'exit');
    const client = await LineClient.connect({ family: 'IPv4', host: '127.0.0.1', port });
    client.write('60000\n');
    const busy = pidOf(await client.line());
    const children = childrenOf(parent.pid);
    expect(children).toContain(busy);
    expect(children.length).toBeGreaterThanOrEqual(2);
    parent.kill('SIGKILL');
    await exit;
    await vi.waitFor(
      () => {
        for (const c of children) expect(exited(c)).toBe(true);
      },
      { timeout: 10_000 },
    );
    expect(await client.rest().catch(() => '')).toBe('');
  });
});
