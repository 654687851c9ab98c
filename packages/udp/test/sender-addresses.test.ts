/**
 * The sender's frozen address is reused while the sender stays the same (sender-addresses.ts),
 * never handed to another sender — not one with the same port on another host or family, not
 * one whose port shares its cache slot.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { BaseRequestHandler, type SocketAddress } from '@sockserve/core';
import { afterEach, describe, expect, it } from 'vitest';
import { UDPServer, type UdpDatagramRequest } from '../src/index.js';
import { SenderAddresses } from '../src/sender-addresses.js';

const info = (address: string, port: number, family: 'IPv4' | 'IPv6' = 'IPv4'): RemoteInfo => ({
  address,
  port,
  family,
  size: 1,
});

describe('SenderAddresses', () => {
  it('reuses the frozen address of the same sender, equal to a fresh one', () => {
    const senders = new SenderAddresses();
    const first = senders.of(info('127.0.0.1', 40_000));
    expect(first).toEqual({ family: 'IPv4', host: '127.0.0.1', port: 40_000 });
    expect(Object.isFrozen(first)).toBe(true);
    // Another RemoteInfo with another string of the same host: the same address.
    expect(senders.of(info(['127', '0', '0', '1'].join('.'), 40_000))).toBe(first);
  });

  it('never gives one sender the address of another sharing its port or its slot', () => {
    const senders = new SenderAddresses();
    const a = senders.of(info('127.0.0.1', 40_000));
    const otherHost = senders.of(info('127.0.0.2', 40_000));
    expect(otherHost).toEqual({ family: 'IPv4', host: '127.0.0.2', port: 40_000 });
    const otherFamily = senders.of(info('::1', 40_000, 'IPv6'));
    expect(otherFamily).toEqual({ family: 'IPv6', host: '::1', port: 40_000 });
    // 40_000 + 1024: the same slot, another port.
    const sameSlot = senders.of(info('127.0.0.1', 41_024));
    expect(sameSlot).toEqual({ family: 'IPv4', host: '127.0.0.1', port: 41_024 });
    // The slot now holds the last one: the first sender gets a new, equal, frozen address.
    const again = senders.of(info('127.0.0.1', 40_000));
    expect(again).toEqual(a);
    expect(Object.isFrozen(again)).toBe(true);
  });
});

describe('UDPServer client addresses', () => {
  const open: Array<UDPServer | Socket> = [];
  afterEach(async () => {
    for (const item of open.splice(0)) {
      if (item instanceof UDPServer) await item.serverClose();
      else await new Promise<void>((resolve) => item.close(() => resolve()));
    }
  });

  async function client(): Promise<Socket> {
    const socket = createSocket('udp4');
    open.push(socket);
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return socket;
  }

  it('each datagram names its own sender; replies reach each sender, also after a handler tried to change its address', async () => {
    const seen: SocketAddress[] = [];
    class Record extends BaseRequestHandler<UdpDatagramRequest> {
      override async handle(): Promise<void> {
        seen.push(this.clientAddress);
        // Frozen: a handler can't redirect the next reply to this sender.
        expect(() => {
          (this.clientAddress as { port: number }).port = 1;
        }).toThrow(TypeError);
        await this.request.reply(this.request.data);
      }
    }
    const server = new UDPServer({ host: '127.0.0.1', port: 0 }, Record);
    open.push(server);
    await server.ready;
    server.serveForever().catch(() => {});
    const [one, two] = [await client(), await client()];
    const port = server.serverAddress.port;
    for (const [socket, text] of [
      [one, 'a'],
      [two, 'b'],
      [one, 'c'],
      [two, 'd'],
    ] as const) {
      const answered = new Promise<string>((resolve) =>
        socket.once('message', (data) => resolve(data.toString())),
      );
      socket.send(text, port, '127.0.0.1');
      expect(await answered).toBe(text);
    }
    expect(seen.map((address) => 'port' in address && address.port)).toEqual([
      one.address().port,
      two.address().port,
      one.address().port,
      two.address().port,
    ]);
    expect(seen.every((address) => Object.isFrozen(address))).toBe(true);
  });
});
