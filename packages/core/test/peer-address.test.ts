/**
 * `peerAddress()` (kit): an accepted TCP socket's client address read with one `getpeername`
 * on its handle — the same address `inetAddress(remoteAddress, remotePort)` gives, without the
 * `_peername` cache Node keeps on the socket for `remoteAddress` (memory per idle connection,
 * issue 11).
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { inetAddress } from '../src/index.js';
import { peerAddress } from '../src/kit/index.js';

const open: Array<Server | Socket> = [];
afterEach(async () => {
  const items = open.splice(0);
  for (const item of items) if (!('listening' in item)) item.destroy();
  for (const item of items) {
    if ('listening' in item) await new Promise((resolve) => item.close(resolve));
  }
});

/** A listener on `host` port 0 and one client connected to it: the accepted socket and the client. */
async function acceptedFrom(host: string): Promise<{ accepted: Socket; client: Socket }> {
  const server = createServer();
  open.push(server);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  const { port } = server.address() as { port: number };
  const client = connect(port, host);
  open.push(client);
  await new Promise((resolve) => client.once('connect', resolve));
  const socket = await accepted;
  open.push(socket);
  return { accepted: socket, client };
}

describe('peerAddress', () => {
  it.each(['127.0.0.1', '::1'])(
    'reads the client of %s without caching it on the socket',
    async (host) => {
      const { accepted, client } = await acceptedFrom(host);
      const address = peerAddress(accepted);
      expect((accepted as unknown as { _peername?: unknown })._peername).toBeUndefined();
      expect(address).toEqual({
        family: host.includes(':') ? 'IPv6' : 'IPv4',
        host,
        port: client.localPort,
      });
      expect(Object.isFrozen(address)).toBe(true);
      // The ordinary read gives the same address.
      expect(inetAddress(accepted.remoteAddress, accepted.remotePort)).toEqual(address);
    },
  );

  it('two connections from one host get their own ports', async () => {
    const first = await acceptedFrom('127.0.0.1');
    const second = await acceptedFrom('127.0.0.1');
    const a = peerAddress(first.accepted);
    const b = peerAddress(second.accepted);
    expect(a.host).toBe('127.0.0.1');
    expect(b.host).toBe('127.0.0.1');
    expect([a.port, b.port]).toEqual([first.client.localPort, second.client.localPort]);
  });

  it('a socket whose handle is gone gives what remoteAddress gives: no address', async () => {
    const { accepted } = await acceptedFrom('127.0.0.1');
    accepted.destroy();
    await new Promise((resolve) => accepted.once('close', resolve));
    expect(peerAddress(accepted)).toEqual(inetAddress(accepted.remoteAddress, accepted.remotePort));
    expect(peerAddress(accepted)).toEqual({ family: 'IPv4', host: '', port: 0 });
  });
});
