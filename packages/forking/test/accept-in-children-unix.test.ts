/**
 * `acceptIn: 'children'` over the other transports: a Unix stream server's children accept
 * from its socket file, which stays in place while the server runs (libuv unlinks a listener's
 * path when that handle closes, and the server swaps its listening handle for a copy — see
 * `listen-handle.ts`) and is gone after the close; datagram servers refuse the option.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exchange } from '@sockserve/conformance';
import { ForkingMixIn } from '@sockserve/forking';
import { UDPServer } from '@sockserve/udp';
import { UnixStreamServer } from '@sockserve/unix';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { BusyHandler, DatagramPidHandler } from './fixtures/handlers.ts';
import { childrenOf } from './fixtures/processes.ts';

class ForkingUnixStreamServer extends ForkingMixIn(UnixStreamServer) {}
class ForkingUDPServer extends ForkingMixIn(UDPServer) {}

const dir = mkdtempSync(join(tmpdir(), 'sockserve-accept-in-children-'));
const open: ForkingUnixStreamServer[] = [];
afterEach(async () => {
  for (const server of open.splice(0)) {
    await server.shutdown();
    await server.serverClose();
  }
  expect(childrenOf()).toEqual([]);
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  expect(childrenOf()).toEqual([]);
});

const pidOf = (reply: Buffer) => Number(reply.toString().trim().split(' ').at(-1));

describe("acceptIn: 'children' on other transports", () => {
  it('Unix stream: each child answers one connection; the socket file stays, then goes at close', async () => {
    const path = join(dir, 's.sock');
    const server = await ForkingUnixStreamServer.create(path, BusyHandler, {
      forkingMode: 'per-request',
      minSpareChildren: 2,
      acceptIn: 'children',
    });
    open.push(server);
    const loop = server.serveForever();
    expect(statSync(path).isSocket()).toBe(true);
    const pids: number[] = [];
    for (let i = 0; i < 4; i++) pids.push(pidOf(await exchange(server.serverAddress, 'unix\n')));
    expect(new Set(pids).size).toBe(4);
    expect(pids).not.toContain(process.pid);
    expect(statSync(path).isSocket()).toBe(true);
    await server.shutdown();
    await loop;
    const report = await server.serverClose();
    expect(report).toMatchObject({ accepted: 4, finished: 4, cut: 0, dropped: 0 });
    expect(existsSync(path)).toBe(false);
  });

  it('a datagram server refuses it when it starts (UnsupportedError); nothing stays open', async () => {
    const error = await ForkingUDPServer.create(
      { host: '127.0.0.1', port: 0 },
      DatagramPidHandler,
      {
        forkingMode: 'per-request',
        minSpareChildren: 1,
        acceptIn: 'children',
      },
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_SOCKSERVE_UNSUPPORTED' });
    expect((error as Error).message).toContain('stream servers');
    expect(childrenOf()).toEqual([]);
  });
});
