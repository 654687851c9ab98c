/**
 * `resetStream()`: how a runner refuses a connection whatever stream it runs over — a TCP
 * socket is reset (the client reads ECONNRESET), a Unix socket is closed (the client reads
 * end-of-stream: pipes have no reset), any other `Duplex` (a relayed connection) is destroyed;
 * a stream already destroyed is left alone, and nothing throws.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Teardown } from '@sockserve/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { resetStream } from '../src/abort-connection.js';

const teardown = new Teardown();
afterEach(() => teardown.run());

/** A connected pair on `server` listening at `where`: the server's side and the client's. */
async function pair(where: { port: number; host: string } | { path: string }) {
  const server: Server = createServer();
  teardown.add(() => new Promise((resolve) => server.close(resolve)));
  server.listen(where);
  await once(server, 'listening');
  const address = server.address();
  const accepted = once(server, 'connection');
  const client =
    typeof address === 'string' ? connect(address) : connect(address?.port ?? 0, '127.0.0.1');
  teardown.add(() => void client.destroy());
  const [socket] = (await accepted) as [Socket];
  teardown.add(() => void socket.destroy());
  return { socket, client };
}

/** How the client saw its connection end: an error code, or 'end' (end-of-stream). */
function ending(client: Socket): Promise<string> {
  return new Promise((resolve) => {
    client.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    client.on('end', () => resolve('end'));
    client.resume();
  });
}

describe('resetStream', () => {
  it('resets a TCP connection: the client reads ECONNRESET', async () => {
    const { socket, client } = await pair({ port: 0, host: '127.0.0.1' });
    const ended = ending(client);
    resetStream(socket);
    expect(socket.destroyed).toBe(true);
    expect(await ended).toBe('ECONNRESET');
    expect(() => resetStream(socket)).not.toThrow();
  });

  it('closes a Unix connection (no reset there): the client reads end-of-stream', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sockserve-reset-'));
    teardown.add(() => rmSync(dir, { recursive: true, force: true }));
    const { socket, client } = await pair({ path: join(dir, 'reset.sock') });
    const ended = ending(client);
    resetStream(socket);
    expect(socket.destroyed).toBe(true);
    expect(await ended).toBe('end');
  });

  it('destroys any other Duplex; a second call does nothing', () => {
    const stream = new PassThrough();
    resetStream(stream);
    expect(stream.destroyed).toBe(true);
    expect(() => resetStream(stream)).not.toThrow();
  });
});
