/**
 * `endClosingItself` (graceful-close.ts), what `closeRequest` does first: the usual end of a
 * request — the client's FIN read, nothing left to write — is ended and not tracked, because
 * the socket closes itself without the client's help; anything else is left untouched for
 * `closeGracefully`. Real loopback sockets.
 */
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { endClosingItself } from '../src/graceful-close.js';

const servers: Server[] = [];
const sockets: Socket[] = [];
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const server of servers.splice(0)) server.close();
});

/** A connected pair: the client (half-open allowed) and the server's socket. */
async function pair(): Promise<{ client: Socket; server: Socket }> {
  const listener = createServer({ allowHalfOpen: true });
  servers.push(listener);
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const { port } = listener.address() as { port: number };
  const accepted = once(listener, 'connection') as Promise<[Socket]>;
  const client = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  sockets.push(client);
  const [server] = await accepted;
  sockets.push(server);
  return { client, server };
}

describe('endClosingItself', () => {
  it("the client's FIN read, the reply flushed: ended, and it closes with the client still open", async () => {
    const { client, server } = await pair();
    client.end('request\n');
    server.resume();
    await once(server, 'end');
    server.write('reply\n');
    let reply = '';
    client.setEncoding('utf8').on('data', (chunk: string) => {
      reply += chunk;
    });
    const clientEnded = once(client, 'end');
    const closed = once(server, 'close');
    await new Promise((resolve) => setImmediate(resolve));
    expect(server.writableLength).toBe(0);
    expect(endClosingItself(server)).toBe(true);
    expect(server.writableEnded).toBe(true);
    await clientEnded;
    expect(reply).toBe('reply\n');
    // Nothing else closes it: no timer, no destroy() by anyone.
    await closed;
    expect(server.destroyed).toBe(true);
  });

  it('a client still sending: false, and the socket is left as it was', async () => {
    const { client, server } = await pair();
    client.write('more to come\n');
    server.resume();
    await once(server, 'data');
    expect(endClosingItself(server)).toBe(false);
    expect(server.writableEnded).toBe(false);
    expect(server.destroyed).toBe(false);
  });

  it('not a net.Socket (a relayed stream): false, even when its input ended', async () => {
    const stream = new PassThrough();
    // Its readable side ended, its writable side still open.
    stream.push(null);
    stream.resume();
    await once(stream, 'end');
    expect(stream.readableEnded).toBe(true);
    expect(endClosingItself(stream)).toBe(false);
    expect(stream.writableEnded).toBe(false);
  });
});
