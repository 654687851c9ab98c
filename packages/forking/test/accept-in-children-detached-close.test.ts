/**
 * `acceptIn: 'children'` with a close that doesn't wait for running requests
 * (`blockOnClose: false`, or `daemon`): a connection a child accepted before the stop is
 * still the close's — counted, and served in the background (cut, for `daemon`) — even when
 * the child's `accepted` is still in the IPC pipe as the close begins. Before, the close
 * stopped the child's channel without reading it: the child exited on 'disconnect' and reset
 * a client whose request had started.
 *
 * The order is forced: a python3 client connects and, once the child greeted it (its request
 * runs), writes to a FIFO this process reads synchronously — so this process's event loop
 * reads nothing meanwhile, the child's `accepted` included — and the close begins in the same
 * turn. Once the close resolved, the client sends its line and reads the answer.
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InetAddress } from '@sockserve/core';
import type { ForkingStrategy } from '@sockserve/forking';
import { afterAll, describe, expect, it } from 'vitest';
import { GreetHandler } from './fixtures/handlers.ts';
import { alive } from './fixtures/processes.ts';
import { closeServersAfterEach, serve } from './fixtures/servers.ts';

closeServersAfterEach();
const dir = mkdtempSync(join(tmpdir(), 'sockserve-detached-close-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fifos = 0;

/**
 * A python3 client: connects, reads the greeting, writes `greeted` to the FIFO `<fifo>.greeted`,
 * waits until the test writes to `<fifo>.go`, sends `two`, and prints all it got (`RESET` for a
 * reset).
 */
function greetedClient(address: InetAddress, fifo: string) {
  const script = [
    'import socket, sys',
    's = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=20)',
    'data = b""',
    'while not data.endswith(b"\\n"): data += s.recv(4096)',
    'open(sys.argv[3] + ".greeted", "w").write("greeted")',
    'open(sys.argv[3] + ".go").read()',
    'try:',
    '    s.sendall(b"two\\n")',
    '    while chunk := s.recv(4096): data += chunk',
    'except ConnectionResetError:',
    '    data += b"RESET"',
    'sys.stdout.write(data.decode())',
  ].join('\n');
  const client = spawn('python3', ['-c', script, address.host, String(address.port), fifo], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let text = '';
  client.stdout?.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  return once(client, 'close').then(() => text);
}

/**
 * Starts the client and returns once its request runs in a child, this thread blocked since
 * (no event-loop turn: the child's `accepted` is unread); `go()` lets the client send its line.
 */
function whileTheAcceptIsUnread(address: InetAddress) {
  const fifo = join(dir, `client-${fifos++}`);
  execFileSync('mkfifo', [`${fifo}.greeted`, `${fifo}.go`]);
  const out = greetedClient(address, fifo);
  expect(readFileSync(`${fifo}.greeted`, 'utf8')).toBe('greeted');
  return { out, go: () => writeFileSync(`${fifo}.go`, 'go') };
}

describe("acceptIn: 'children', a close that doesn't wait, the child's `accepted` unread", () => {
  it('blockOnClose: false counts the request and lets the child serve it in the background', async () => {
    const { server } = await serve(GreetHandler, {
      forkingMode: 'per-request',
      acceptIn: 'children',
      minSpareChildren: 2,
      blockOnClose: false,
    });
    const { out, go } = whileTheAcceptIsUnread(server.serverAddress as InetAddress);
    const report = await server.serverClose();
    // Counted, and still running: the client sends its line only after the close.
    expect(report).toMatchObject({ accepted: 1, detached: 1, cut: 0, dropped: 0, failed: 0 });
    expect(server.stats.refused).toBe(0);
    go();
    const answer = await out;
    expect(answer).toMatch(/^hello \d+\ntwo\n$/);
    const pid = Number(answer.split('\n')[0]?.split(' ')[1]);
    const exits = await server.collectChildren({ blocking: true });
    expect(exits.find((exit) => exit.pid === pid)).toMatchObject({ code: 0, signal: null });
    expect(alive(pid)).toBe(false);
  });

  it('daemon: the request is counted and cut, as a running one is', async () => {
    const { server } = await serve(GreetHandler, {
      forkingMode: 'per-request',
      acceptIn: 'children',
      minSpareChildren: 2,
    });
    (server.strategy as ForkingStrategy).daemon = true;
    const { out, go } = whileTheAcceptIsUnread(server.serverAddress as InetAddress);
    const report = await server.serverClose();
    expect(report).toMatchObject({ accepted: 1, finished: 0, detached: 0, failed: 0 });
    expect(report.cut + report.dropped).toBe(1);
    expect(server.stats.refused).toBe(0);
    go();
    // Cut in the child: whether the client's line crossed the cut is the kernel's timing.
    const answer = await out;
    expect(answer).toMatch(/^hello \d+\n/);
    const pid = Number(answer.split('\n')[0]?.split(' ')[1]);
    await server.collectChildren({ blocking: true });
    expect(alive(pid)).toBe(false);
  });
});
