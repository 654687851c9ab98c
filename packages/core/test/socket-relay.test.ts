/**
 * The server side of a relayed connection (SocketRelay) over an in-memory Duplex standing for
 * the client socket: bytes and end of stream go to the runner as messages, the runner's
 * writes reach the socket and are acknowledged, pause/resume apply, a close is reported once.
 */
import { Duplex } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { SocketRelay, type ToRunner } from '../src/remote/index.js';

function memorySocket() {
  const written: string[] = [];
  const socket = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      written.push(chunk.toString());
      callback();
    },
  });
  return { socket, written };
}

describe('SocketRelay', () => {
  it('relays client bytes and end of stream, and the runner writes with acknowledgements', async () => {
    const { socket, written } = memorySocket();
    const posted: ToRunner[] = [];
    const relay = new SocketRelay(5, socket, (message) => posted.push(message));
    relay.start();
    socket.push('hello');
    socket.push(null);
    await vi.waitFor(() => expect(posted.map((m) => m.t)).toEqual(['data', 'eof']), {
      timeout: 10_000,
    });
    expect(Buffer.from((posted[0] as { chunk: Uint8Array }).chunk).toString()).toBe('hello');

    relay.receive({ t: 'write', id: 5, chunks: [Buffer.from('HEL'), Buffer.from('LO')] });
    await vi.waitFor(() => expect(posted.at(-1)).toEqual({ t: 'written', id: 5, bytes: 5 }), {
      timeout: 10_000,
    });
    expect(written.join('')).toBe('HELLO');
    relay.receive({ t: 'end', id: 5 });
    await vi.waitFor(() => expect(socket.writableFinished).toBe(true), { timeout: 10_000 });
  });

  it('pause and resume from the runner apply to the socket', () => {
    const { socket } = memorySocket();
    const relay = new SocketRelay(1, socket, () => {});
    relay.start();
    relay.receive({ t: 'pause', id: 1 });
    expect(socket.isPaused()).toBe(true);
    relay.receive({ t: 'resume', id: 1 });
    expect(socket.isPaused()).toBe(false);
  });

  it('a socket that closes under the handler is reported once as abort, with its error', async () => {
    const { socket } = memorySocket();
    socket.on('error', () => {});
    const posted: ToRunner[] = [];
    const relay = new SocketRelay(2, socket, (message) => posted.push(message));
    relay.start();
    socket.destroy(Object.assign(new Error('reset by peer'), { code: 'ECONNRESET' }));
    await vi.waitFor(() => expect(posted).toHaveLength(1), { timeout: 10_000 });
    expect(posted[0]).toMatchObject({
      t: 'abort',
      id: 2,
      error: { message: 'reset by peer', code: 'ECONNRESET' },
    });
  });

  it('after stop() nothing more is relayed; the socket is the server’s to close', async () => {
    const { socket } = memorySocket();
    const posted: ToRunner[] = [];
    const relay = new SocketRelay(3, socket, (message) => posted.push(message));
    relay.start();
    relay.stop();
    socket.destroy();
    await new Promise((resolve) => setImmediate(resolve));
    expect(posted).toEqual([]);
  });
});
