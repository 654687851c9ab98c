/**
 * peerAddress: an accepted TCP socket's client address read with one getpeername from its
 * handle — the same value as `inetAddress(socket.remoteAddress, socket.remotePort)` (IPv4,
 * IPv6, a peer already gone, a destroyed socket), without Node's `_peername` cache left on
 * the socket for the connection's life.
 */
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { Teardown } from '@sockserve/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { inetAddress, peerAddress } from '../src/index.js';

const teardown = new Teardown();
afterEach(() => teardown.run());

/** A listener on `host`, and a connected client and its accepted socket. */
async function acceptedPair(host: string): Promise<{ client: Socket; accepted: Socket }> {
  const server: Server = createServer({ pauseOnConnect: true });
  teardown.add(() => new Promise((resolve) => server.close(resolve)));
  server.listen(0, host);
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  const accepting = once(server, 'connection') as Promise<[Socket]>;
  const client = connect(port, host);
  client.on('error', () => {});
  teardown.add(() => client.destroy());
  await once(client, 'connect');
  const [accepted] = await accepting;
  accepted.on('error', () => {});
  teardown.add(() => accepted.destroy());
  return { client, accepted };
}

/** Whether Node cached the peer name on `socket` (what `remoteAddress` does). */
function cachedPeerName(socket: Socket): unknown {
  return (socket as unknown as { _peername?: unknown })._peername;
}

describe('peerAddress', () => {
  it('gives the client IPv4 address and port, frozen, and leaves no cache on the socket', async () => {
    const { client, accepted } = await acceptedPair('127.0.0.1');
    const address = peerAddress(accepted);
    expect(address).toEqual({ family: 'IPv4', host: '127.0.0.1', port: client.localPort });
    expect(Object.isFrozen(address)).toBe(true);
    expect(cachedPeerName(accepted)).toBeUndefined();
    expect(address).toEqual(inetAddress(accepted.remoteAddress, accepted.remotePort));
  });

  it('gives an IPv6 client as IPv6', async () => {
    const { client, accepted } = await acceptedPair('::1');
    expect(peerAddress(accepted)).toEqual({ family: 'IPv6', host: '::1', port: client.localPort });
    expect(peerAddress(accepted)).toEqual(inetAddress(accepted.remoteAddress, accepted.remotePort));
  });

  it('gives what remoteAddress gives once the peer reset the connection', async () => {
    const { client, accepted } = await acceptedPair('127.0.0.1');
    client.resetAndDestroy();
    await once(client, 'close');
    // Paused since accept: the socket has not read the reset, its handle is still there.
    const lazy = peerAddress(accepted);
    expect(lazy).toEqual(inetAddress(accepted.remoteAddress, accepted.remotePort));
  });

  it('gives host "" and port 0, as remoteAddress does, for a destroyed socket', async () => {
    const { accepted } = await acceptedPair('127.0.0.1');
    accepted.destroy();
    expect(peerAddress(accepted)).toEqual({ family: 'IPv4', host: '', port: 0 });
    expect(peerAddress(accepted)).toEqual(inetAddress(accepted.remoteAddress, accepted.remotePort));
  });
});
