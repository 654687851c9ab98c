/**
 * The PROXY header read on an accepted socket hooks its `push` and `_destroy` instead of
 * listening (issue 14): a reset before or during the header settles the read at once (a health
 * check, or `truncated`), never at the header timeout; once the header is read the socket's
 * `push` and `_destroy` are `net.Socket`'s again, and bytes sent later, and the client's FIN,
 * reach the handler as on any socket. Real loopback sockets, TCP.
 */
import { once } from 'node:events';
import { connect, Socket } from 'node:net';
import { encodeProxyHeader } from '@sockserve/proxy-protocol';
import { StreamRequestHandler } from '@sockserve/stream';
import { afterEach, expect, it, vi } from 'vitest';
import { closeAll, localProxiedServer, onTeardown } from './proxy-servers.ts';

afterEach(closeAll);

const header = encodeProxyHeader({
  version: 2,
  family: 'IPv4',
  source: { family: 'IPv4', host: '192.0.2.1', port: 1 },
  destination: { family: 'IPv4', host: '192.0.2.2', port: 2 },
});

/** Answers each line with whether the socket's push and _destroy are its class's, until EOF. */
class HookCheckHandler extends StreamRequestHandler {
  static readonly module = import.meta.url;

  override async handle(): Promise<void> {
    const socket = this.request as Socket;
    const own =
      socket.push === Socket.prototype.push &&
      (socket as unknown as { _destroy: unknown })._destroy === Socket.prototype._destroy;
    for (;;) {
      const line = (await this.rfile.readline()).toString();
      if (line === '') break;
      await this.wfile.write(`${(this.clientAddress as { host: string }).host} ${own} ${line}`);
    }
    await this.wfile.write('eof\n');
  }
}

async function connected(port: number): Promise<Socket> {
  const client = connect({ host: '127.0.0.1', port });
  onTeardown(async () => client.destroy());
  client.on('error', () => {});
  await once(client, 'connect');
  return client;
}

it('a reset before any byte is a health check, settled at once', async () => {
  const { server, port, reasons } = await localProxiedServer(HookCheckHandler);
  for (let i = 0; i < 3; i++) (await connected(port)).resetAndDestroy();
  await vi.waitFor(() => expect(server.stats.proxyHealthChecks).toBe(3));
  expect(server.stats.proxyRejected ?? 0).toBe(0);
  expect(server.stats.accepted).toBe(0);
  expect(reasons()).toEqual([]);
});

it('a reset after half a header settles at once: truncated, or a health check if the bytes were lost', async () => {
  const { server, port, reasons } = await localProxiedServer(HookCheckHandler);
  const client = await connected(port);
  client.write(header.subarray(0, 20));
  client.resetAndDestroy();
  // The kernel may drop the unread half with the reset: either outcome, once, never a timeout.
  await vi.waitFor(() =>
    expect((server.stats.proxyRejected ?? 0) + (server.stats.proxyHealthChecks ?? 0)).toBe(1),
  );
  expect(reasons()).toEqual(server.stats.proxyRejected === 1 ? ['truncated'] : []);
  expect(server.stats.accepted).toBe(0);
});

it("after the header the socket's push and _destroy are its class's; later bytes and the FIN reach the handler", async () => {
  const { server, port, reasons } = await localProxiedServer(HookCheckHandler);
  for (let i = 0; i < 3; i++) {
    const client = await connected(port);
    let got = '';
    client.setEncoding('latin1');
    client.on('data', (chunk: string) => {
      got += chunk;
    });
    client.write(Buffer.concat([header, Buffer.from('one\n')]));
    await vi.waitFor(() => expect(got).toBe('192.0.2.1 true one\n'));
    client.end('two\n');
    await once(client, 'close');
    expect(got).toBe('192.0.2.1 true one\n192.0.2.1 true two\neof\n');
  }
  expect(server.stats.accepted).toBe(3);
  expect(server.stats.proxyRejected ?? 0).toBe(0);
  expect(reasons()).toEqual([]);
});
