/**
 * Bytes the server read from a connection before it went to a child (read past its first
 * line here, as a transport reads past a PROXY header) reach the handler first, in order,
 * whether the socket moves to the child or its bytes are relayed; what the client sends
 * later follows them.
 */
import type { Socket } from 'node:net';
import { LineClient } from '@sockserve/conformance';
import { ForkingMixIn } from '@sockserve/forking';
import { TCPServer } from '@sockserve/tcp';
import { openServers } from '@sockserve/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { EchoLinesHandler, readFirstLine } from '../../threading/test/fixtures/head-bytes.ts';
import { childrenOf } from './fixtures/processes.ts';

/** Reads the first line in the server process; only `HELLO` connections are handled. */
class GreetedForkingServer extends ForkingMixIn(TCPServer) {
  override async verifyRequest(socket: Socket): Promise<boolean> {
    return (await readFirstLine(socket)) === 'HELLO';
  }
}

const { servers: open, close } = openServers<GreetedForkingServer>({ closeTimeout: 1_000 });
afterEach(async () => {
  await close();
  expect(childrenOf()).toEqual([]);
});

/** A child takes the socket's handle unless relaying was asked for. */
const expectedVia = (transfer: 'auto' | 'relay') => (transfer === 'auto' ? 'socket' : 'relay');

describe.each(['auto', 'relay'] as const)('transfer: %s', (transfer) => {
  it('the bytes read past the first line in the server reach the handler first, then the rest', async () => {
    const server = await GreetedForkingServer.create(
      { host: '127.0.0.1', port: 0 },
      EchoLinesHandler,
      { transfer, maxChildren: 2 },
    );
    open.push(server);
    server.serveForever().catch(() => {});
    const client = await LineClient.connect(server.serverAddress);
    // One write: the server's first read takes the greeting and the two lines after it.
    client.write('HELLO\nfirst\nsecond\n');
    expect(await client.line()).toBe(`via ${expectedVia(transfer)}\n`);
    expect(await client.line()).toBe('echo first\n');
    expect(await client.line()).toBe('echo second\n');
    // Sent after the handler started: read by the child (or relayed), after the head.
    client.write('third\n');
    expect(await client.line()).toBe('echo third\n');
    client.socket.end();
    expect(await client.rest()).toBe('');
    expect(server.stats.accepted).toBe(1);
  });

  it('a client that sends everything and ends at once still gets every line', async () => {
    const server = await GreetedForkingServer.create(
      { host: '127.0.0.1', port: 0 },
      EchoLinesHandler,
      { transfer, maxChildren: 2 },
    );
    open.push(server);
    server.serveForever().catch(() => {});
    const client = await LineClient.connect(server.serverAddress);
    client.socket.end('HELLO\none\ntwo\nthree\n');
    expect(await client.rest()).toBe(
      `via ${expectedVia(transfer)}\necho one\necho two\necho three\n`,
    );
  });
});
