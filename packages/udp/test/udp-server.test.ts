/** UDPServer-specific behaviour: addressing, the request's socket, options, bind failures. */
import { createSocket } from 'node:dgram';
import { DatagramEchoHandler, udpClient } from '@sockserve/conformance';
import { BaseRequestHandler, BindError } from '@sockserve/core';
import { afterEach, describe, expect, it } from 'vitest';
import { UDPServer, type UdpDatagramRequest } from '../src/index.js';

const open: UDPServer[] = [];
afterEach(async () => {
  for (const server of open.splice(0)) await server.serverClose();
});

async function serving(server: UDPServer): Promise<UDPServer> {
  open.push(server);
  await server.ready;
  server.serveForever().catch(() => {});
  return server;
}

/** Python's MyUDPHandler: answers through the request's own socket, like `socket.sendto`. */
class SocketSendHandler extends BaseRequestHandler<UdpDatagramRequest> {
  override handle(): Promise<void> {
    const { data, socket } = this.request;
    const client = this.clientAddress as { host: string; port: number };
    return new Promise((resolve) =>
      socket.send(data.toString().toUpperCase(), client.port, client.host, () => resolve()),
    );
  }
}

describe('UDPServer', () => {
  it('resolves port 0, exposes the socket, and answers from the server address', async () => {
    const server = await serving(new UDPServer({ host: '127.0.0.1', port: 0 }, SocketSendHandler));
    expect(server.serverAddress).toEqual({
      family: 'IPv4',
      host: '127.0.0.1',
      port: expect.any(Number),
    });
    expect(server.fileno()).toEqual(expect.any(Number));
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    try {
      const reply = new Promise<[Buffer, { port: number }]>((resolve) =>
        socket.once('message', (data, from) => resolve([data, from])),
      );
      socket.send('via socket', server.serverAddress.port, '127.0.0.1');
      const [data, from] = await reply;
      expect(data.toString()).toBe('VIA SOCKET');
      expect(from.port).toBe(server.serverAddress.port);
    } finally {
      socket.close();
    }
  });

  it('serves IPv4 and IPv6 senders on one dual-stack server (host "")', async () => {
    const server = await serving(new UDPServer({ host: '', port: 0 }, DatagramEchoHandler));
    const { port } = server.serverAddress;
    for (const [family, host] of [
      ['IPv4', '127.0.0.1'],
      ['IPv6', '::1'],
    ] as const) {
      const client = await udpClient({ family, host, port });
      try {
        await client.send(`${host}\n`);
        expect((await client.receive()).toString()).toBe(`${host}\n`);
      } finally {
        await client.close();
      }
    }
  });

  it('EADDRINUSE rejects with a BindError naming the address, and nothing stays bound', async () => {
    const first = await serving(new UDPServer({ host: '127.0.0.1', port: 0 }, DatagramEchoHandler));
    const { port } = first.serverAddress;
    const error = await UDPServer.create({ host: '127.0.0.1', port }, DatagramEchoHandler).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BindError);
    expect(error).toMatchObject({ syscallCode: 'EADDRINUSE', address: `udp 127.0.0.1:${port}` });
  });

  it('serverClose releases the port: it can be bound again', async () => {
    const server = await UDPServer.create({ host: '127.0.0.1', port: 0 }, DatagramEchoHandler);
    const { port } = server.serverAddress;
    await server.serverClose();
    const again = await serving(new UDPServer({ host: '127.0.0.1', port }, DatagramEchoHandler));
    expect(again.serverAddress.port).toBe(port);
  });

  it('allowReusePort lets two servers share one port', async () => {
    const first = await serving(
      new UDPServer({ host: '127.0.0.1', port: 0 }, DatagramEchoHandler, { allowReusePort: true }),
    );
    const second = await serving(
      new UDPServer({ host: '127.0.0.1', port: first.serverAddress.port }, DatagramEchoHandler, {
        allowReusePort: true,
      }),
    );
    expect(second.serverAddress.port).toBe(first.serverAddress.port);
  });

  it('rejects bad options with errors that name them', () => {
    const make = (options: object) => () =>
      new UDPServer({ host: '127.0.0.1', port: 0 }, DatagramEchoHandler, {
        bindAndActivate: false,
        ...options,
      });
    expect(make({ maxPacketSize: 70_000 })).toThrow(
      'option "maxPacketSize" must be an integer from 1 to 65507; received 70000',
    );
    expect(make({ requestQueueSize: 0 })).toThrow(
      expect.objectContaining({ option: 'requestQueueSize' }),
    );
    expect(make({ reuse: true })).toThrow('unknown option "reuse" for UDPServer');
  });

  it('maxPacketSize can be raised to the largest UDP payload', async () => {
    const server = await serving(
      new UDPServer({ host: '127.0.0.1', port: 0 }, DatagramEchoHandler, { maxPacketSize: 65_507 }),
    );
    const client = await udpClient(server.serverAddress);
    try {
      const big = Buffer.alloc(60_000, 0x78);
      await client.send(Buffer.concat([big, Buffer.from('\n')]));
      expect((await client.receive()).length).toBe(60_001);
    } finally {
      await client.close();
    }
  });
});
