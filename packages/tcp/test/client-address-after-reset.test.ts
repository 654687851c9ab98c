/**
 * Why a TCP request's `clientAddress` is read at accept and not when a handler first asks
 * (issue 11: `getpeername` is ~4.5k instructions of a connection's ~92k, and a raw `net`
 * server never calls it). Python's `client_address` comes from `accept()` itself and never
 * changes. A late read can't promise that: once the client has reset, `getpeername` fails
 * (`ENOTCONN`) and `remoteAddress` is `undefined` — on Node 22, 24 and 26 alike — and a
 * handler (or `handleError()`, logging that very reset) would see no address. This test pins
 * the behaviour a lazy read would break.
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { BaseRequestHandler, type SocketAddress } from '@sockserve/core';
import { closeAfterEach } from '@sockserve/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { TCPServer } from '../src/index.js';

const { servers, sockets } = closeAfterEach<TCPServer>({ afterEach }, { closeTimeout: 100 });

/** What the handler saw once let go: its `clientAddress` and the socket's own late read. */
interface Seen {
  readonly clientAddress: SocketAddress;
  readonly remoteAddress: string | undefined;
}

describe('clientAddress of a client that reset before the handler looked', () => {
  it('is still the address accept() saw, though the socket can no longer tell it', async () => {
    let letGo: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      letGo = resolve;
    });
    let started: () => void = () => {};
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    let seen: (value: Seen) => void = () => {};
    const result = new Promise<Seen>((resolve) => {
      seen = resolve;
    });
    class LooksLate extends BaseRequestHandler {
      override async handle(): Promise<void> {
        started();
        await gate;
        seen({
          clientAddress: this.clientAddress,
          remoteAddress: (this.request as Socket).remoteAddress,
        });
      }
    }
    const server = await TCPServer.create({ host: '127.0.0.1', port: 0 }, LooksLate);
    servers.push(server);
    server.serveForever().catch(() => {});
    const { port } = server.serverAddress as { port: number };
    const client = connect({ host: '127.0.0.1', port });
    sockets.push(client);
    client.on('error', () => {});
    await once(client, 'connect');
    const clientPort = client.localPort;
    await running;
    client.resetAndDestroy();
    await once(client, 'close');
    letGo();
    const { clientAddress, remoteAddress } = await result;
    // A read now finds nothing: what a lazy clientAddress would have given.
    expect(remoteAddress).toBeUndefined();
    expect(clientAddress).toEqual({ family: 'IPv4', host: '127.0.0.1', port: clientPort });
  });
});
