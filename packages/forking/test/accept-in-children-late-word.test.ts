/**
 * `acceptIn: 'children'`: a child's word that it accepted a connection (`accepted`, over IPC)
 * can reach the server after the server stopped accepting — the child took the connection
 * while the socket accepted, and its client may already have the answer. That request is the
 * server's: served (or cut) by the close and counted in its report, never refused. This was
 * the Node 22 CI failure of session 15 (the close report missed an answered request); here the
 * order is forced: the server's event loop is blocked by a synchronous client (python3) while
 * a spare accepts and answers, and the close begins before the loop reads the child's word.
 */
import { execFileSync } from 'node:child_process';
import type { InetAddress } from '@sockserve/core';
import { describe, expect, it } from 'vitest';
import { BusyHandler } from './fixtures/handlers.ts';
import { alive } from './fixtures/processes.ts';
import { closeServersAfterEach, serve } from './fixtures/servers.ts';

closeServersAfterEach();

/** One exchange by a python3 client, synchronously: this process's event loop waits meanwhile. */
function askBlocking(address: InetAddress, line: string): string {
  const script = [
    'import socket, sys',
    's = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=20)',
    's.sendall(sys.argv[3].encode())',
    's.shutdown(socket.SHUT_WR)',
    'data = b""',
    'while chunk := s.recv(4096): data += chunk',
    'sys.stdout.write(data.decode())',
  ].join('\n');
  return execFileSync('python3', ['-c', script, address.host, String(address.port), line], {
    encoding: 'utf8',
    timeout: 30_000,
  });
}

describe("acceptIn: 'children': the child's word arrives after the stop", () => {
  it('the request it answered is counted finished in the close report, not refused', async () => {
    const { server } = await serve(BusyHandler, {
      forkingMode: 'per-request',
      acceptIn: 'children',
      minSpareChildren: 2,
    });
    const reply = askBlocking(server.serverAddress as InetAddress, 'late\n');
    // No event-loop turn since the child answered: its `accepted` is still unread here, and
    // the close stops accepting (in its first microtasks) before it is read.
    const closing = server.serverClose();
    const report = await closing;
    expect(reply).toMatch(/^late \d+\n$/);
    const pid = Number(reply.trim().split(' ')[1]);
    expect(pid).not.toBe(process.pid);
    expect(report).toMatchObject({ accepted: 1, finished: 1, failed: 0, cut: 0, dropped: 0 });
    expect(server.stats.refused).toBe(0);
    const exits = await server.collectChildren({ blocking: true });
    expect(exits.find((exit) => exit.pid === pid)).toMatchObject({ code: 0, signal: null });
    expect(alive(pid)).toBe(false);
  });
});
