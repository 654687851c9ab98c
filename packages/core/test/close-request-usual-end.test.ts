/**
 * `endClosingItself` (graceful-close.ts), what `closeRequest` does first: the usual end of a
 * request — the client's FIN read, nothing left to write — is ended and not tracked, because
 * the socket closes itself without the client's help; anything else is left untouched for
 * `closeGracefully`. Real loopback sockets.
 */
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { endClosingItself } from '../src/graceful-close.js';
import { socketPair } from './fixtures/socket-pair.js';

describe('endClosingItself', () => {
  it("the client's FIN read, the reply flushed: ended, and it closes with the client still open", async () => {
    const { client, server } = await socketPair();
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
    const { client, server } = await socketPair();
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
