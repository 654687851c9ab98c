/**
 * Python's four predefined forking servers, built with the mixin over each transport:
 * `ForkingTCPServer`, `ForkingUDPServer`, `ForkingUnixStreamServer`,
 * `ForkingUnixDatagramServer`, in both modes. Datagram replies leave from the server's own
 * address, though a child computed them.
 */
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exchange } from '@sockserve/conformance';
import type { InetAddress } from '@sockserve/core';
import { ForkingMixIn, type ForkingStrategy } from '@sockserve/forking';
import { TCPServer } from '@sockserve/tcp';
import { UDPServer } from '@sockserve/udp';
import { UnixDatagramServer, UnixDgramSocket, UnixStreamServer } from '@sockserve/unix';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { BusyHandler, DatagramPidHandler } from './fixtures/handlers.ts';
import { childrenOf } from './fixtures/processes.ts';

class ForkingTCPServer extends ForkingMixIn(TCPServer) {}
class ForkingUDPServer extends ForkingMixIn(UDPServer) {}
class ForkingUnixStreamServer extends ForkingMixIn(UnixStreamServer) {}
class ForkingUnixDatagramServer extends ForkingMixIn(UnixDatagramServer) {}

const dir = mkdtempSync(join(tmpdir(), 'sockserve-forking-mixin-'));
let n = 0;
const path = (name: string) => join(dir, `${name}${++n}.sock`);

const open: Array<{ serverClose(): Promise<unknown>; shutdown(): Promise<void> }> = [];
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

function served<T extends { serveForever(): Promise<void> } & (typeof open)[number]>(server: T): T {
  open.push(server);
  server.serveForever().catch(() => {});
  return server;
}

const pidOf = (reply: string) => Number(reply.trim().split(' ').at(-1));

describe.each(['pool', 'per-request'] as const)('%s mode', (mode) => {
  it('ForkingTCPServer', async () => {
    const server = served(
      await ForkingTCPServer.create({ host: '127.0.0.1', port: 0 }, BusyHandler, {
        forkingMode: mode,
      }),
    );
    const reply = (await exchange(server.serverAddress, 'tcp\n')).toString();
    expect(reply).toMatch(/^tcp \d+\n$/);
    expect(server.activeChildren).toContain(pidOf(reply));
  });

  it('ForkingUnixStreamServer', async () => {
    const server = served(
      await ForkingUnixStreamServer.create(path('s'), BusyHandler, { forkingMode: mode }),
    );
    const reply = (await exchange(server.serverAddress, 'unix\n')).toString();
    expect(reply).toMatch(/^unix \d+\n$/);
    expect(pidOf(reply)).not.toBe(process.pid);
  });

  it('ForkingUDPServer: the reply comes from the server address', async () => {
    const server = served(
      await ForkingUDPServer.create({ host: '127.0.0.1', port: 0 }, DatagramPidHandler, {
        forkingMode: mode,
      }),
    );
    const { port } = server.serverAddress as InetAddress;
    const client = createSocket('udp4');
    try {
      const reply = once(client, 'message') as Promise<[Buffer, { address: string; port: number }]>;
      client.send('udp', port, '127.0.0.1');
      const [data, from] = await reply;
      expect(data.toString()).toMatch(/^udp \d+$/);
      expect(pidOf(data.toString())).not.toBe(process.pid);
      expect(from).toMatchObject({ address: '127.0.0.1', port });
    } finally {
      client.close();
    }
  });

  it('ForkingUnixDatagramServer: the reply comes from the server path', async () => {
    const serverPath = path('d');
    const server = served(
      await ForkingUnixDatagramServer.create(serverPath, DatagramPidHandler, { forkingMode: mode }),
    );
    const reply = Promise.withResolvers<[Buffer, string]>();
    const client = new UnixDgramSocket(
      (data, sender) => reply.resolve([data, sender]),
      reply.reject,
    );
    try {
      client.bind(path('c'));
      await client.sendTo(Buffer.from('unixdgram'), server.path);
      const [data, from] = await reply.promise;
      expect(data.toString()).toMatch(/^unixdgram \d+$/);
      expect(pidOf(data.toString())).not.toBe(process.pid);
      expect(from).toBe(serverPath);
    } finally {
      client.close();
    }
  });
});

describe('options of the mixin servers', () => {
  it("a Unix server's `mode` (file permissions) and `forkingMode` go to their owners", async () => {
    const socketPath = path('m');
    const server = served(
      await ForkingUnixStreamServer.create(socketPath, BusyHandler, {
        mode: 0o600,
        forkingMode: 'per-request',
      }),
    );
    expect(statSync(socketPath).mode & 0o777).toBe(0o600);
    expect((server.strategy as ForkingStrategy).mode).toBe('per-request');
  });

  it('`mode: "per-request"` on a mixin server says to use forkingMode', () => {
    expect(
      () =>
        new ForkingTCPServer({ host: '127.0.0.1', port: 0 }, BusyHandler, {
          mode: 'per-request',
          bindAndActivate: false,
        } as object),
    ).toThrow(
      expect.objectContaining({
        option: 'mode',
        message: expect.stringContaining('"forkingMode"'),
      }),
    );
  });
});
