/**
 * Bytes the server read from a connection before it went to a worker (read past its first
 * line here, as a transport reads past a PROXY header) reach the handler first, in order;
 * what the client sends later follows them. Node moves only a socket that never read
 * (`bytesRead === 0`) to a worker, so such a connection is relayed even with
 * `transfer: 'auto'` — and the untouched connections after it still move.
 */
import type { Socket } from 'node:net';
import { LineClient } from '@sockserve/conformance';
import { TCPServer } from '@sockserve/tcp';
import { closeAfterEach, socketsMoveToWorkers } from '@sockserve/test-support';
import { ThreadingMixIn } from '@sockserve/threading';
import { afterEach, describe, expect, it } from 'vitest';
import { EchoLinesHandler, readFirstLine } from './fixtures/head-bytes.ts';

/**
 * Reads the first line in the server's thread (while `greet` is true); only `HELLO`
 * connections are handled.
 */
class GreetedThreadingServer extends ThreadingMixIn(TCPServer) {
  greet = true;

  override async verifyRequest(socket: Socket): Promise<boolean> {
    return !this.greet || (await readFirstLine(socket)) === 'HELLO';
  }
}

const { servers: open } = closeAfterEach<GreetedThreadingServer>(
  { afterEach },
  { closeTimeout: 1_000 },
);

/** A socket the server read from is relayed, whatever `transfer` says. */
const expectedVia = (_transfer: 'auto' | 'relay') => 'relay';

describe.each(['auto', 'relay'] as const)('transfer: %s', (transfer) => {
  it('the bytes read past the first line in the server reach the handler first, then the rest', async () => {
    const server = await GreetedThreadingServer.create(
      { host: '127.0.0.1', port: 0 },
      EchoLinesHandler,
      { transfer, maxWorkers: 2 },
    );
    open.push(server);
    server.serveForever().catch(() => {});
    const client = await LineClient.connect(server.serverAddress);
    // One write: the server's first read takes the greeting and the two lines after it.
    client.write('HELLO\nfirst\nsecond\n');
    expect(await client.line()).toBe(`via ${expectedVia(transfer)}\n`);
    expect(await client.line()).toBe('echo first\n');
    expect(await client.line()).toBe('echo second\n');
    // Sent after the handler started: read by the worker (or relayed), after the head.
    client.write('third\n');
    expect(await client.line()).toBe('echo third\n');
    client.socket.end();
    expect(await client.rest()).toBe('');
    expect(server.stats.accepted).toBe(1);
  });

  it('a client that sends everything and ends at once still gets every line', async () => {
    const server = await GreetedThreadingServer.create(
      { host: '127.0.0.1', port: 0 },
      EchoLinesHandler,
      { transfer, maxWorkers: 2 },
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

it.runIf(await socketsMoveToWorkers())(
  'with transfer: auto, untouched connections still move to the worker after one that was read from',
  async () => {
    const server = await GreetedThreadingServer.create(
      { host: '127.0.0.1', port: 0 },
      EchoLinesHandler,
      { maxWorkers: 2 },
    );
    open.push(server);
    server.serveForever().catch(() => {});
    const greeted = await LineClient.connect(server.serverAddress);
    greeted.socket.end('HELLO\none\n');
    expect(await greeted.rest()).toBe('via relay\necho one\n');
    server.greet = false;
    const untouched = await LineClient.connect(server.serverAddress);
    untouched.socket.end('two\n');
    expect(await untouched.rest()).toBe('via socket\necho two\n');
  },
);
