/** recv() and sendall(): Python's socket calls over real loopback TCP sockets. */
import type { Socket } from 'node:net';
import { InvalidOptionError } from '@sockserve/core';
import { afterEach, describe, expect, it } from 'vitest';
import { ReadTimeoutError, recv, StreamClosedError, StreamReader, sendall } from '../src/index.js';
import { isPending, Loopback, patternBuffer, readToEnd } from './helpers.js';

const net = new Loopback();
afterEach(async () => {
  await net.closeAll();
});

const EVENTS = ['readable', 'end', 'close', 'error', 'data'] as const;

function listenerCounts(socket: Socket): number[] {
  return EVENTS.map((event) => socket.listenerCount(event));
}

/** Resolves at the `count`-th 'readable' event from now on (the listener reads nothing). */
function readableEvents(socket: Socket, count: number): Promise<void> {
  return new Promise<void>((resolve) => {
    let seen = 0;
    const onReadable = () => {
      seen += 1;
      if (seen < count) return;
      socket.off('readable', onReadable);
      resolve();
    };
    socket.on('readable', onReadable);
  });
}

describe('recv', () => {
  it('returns at most bufsize bytes and leaves the rest in the stream', async () => {
    const { client, server } = await net.pair();
    const before = listenerCounts(server);
    client.write('abcdefgh');
    expect((await recv(server, 3)).toString()).toBe('abc');
    expect(listenerCounts(server)).toEqual(before); // nothing left attached
    expect(server.readableLength).toBe(5);
    expect((await recv(server, 4)).toString()).toBe('defg');
    expect((await recv(server, 100)).toString()).toBe('h');
    expect(listenerCounts(server)).toEqual(before);
  });

  it('leaves the rest for any other consumer of the socket', async () => {
    const { client, server } = await net.pair();
    client.write('head:body');
    expect((await recv(server, 5)).toString()).toBe('head:');
    client.end('+tail');
    expect((await new StreamReader(server).read()).toString()).toBe('body+tail');
  });

  it('waits for at least one byte, then returns what arrived', async () => {
    const { client, server } = await net.pair();
    const pending = recv(server, 1024);
    expect(await isPending(pending)).toBe(true);
    client.write('x');
    expect((await pending).toString()).toBe('x');
  });

  it('returns an empty buffer at EOF, every time', async () => {
    const { client, server } = await net.pair();
    client.end('last');
    expect((await recv(server, 1024)).toString()).toBe('last');
    const eof = await recv(server, 1024);
    expect(Buffer.isBuffer(eof)).toBe(true);
    expect(eof.length).toBe(0);
    expect((await recv(server, 1024)).length).toBe(0);
  });

  it('fails with ReadTimeoutError when nothing arrives in time, and leaves the socket usable', async () => {
    const { client, server } = await net.pair();
    const before = listenerCounts(server);
    const error = await recv(server, 10, { timeout: 30 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReadTimeoutError);
    expect(error).toMatchObject({
      code: 'ERR_SOCKSERVE_READ_TIMEOUT',
      timeout: 30,
      message: 'no data for 30 ms',
    });
    expect(listenerCounts(server)).toEqual(before);
    client.write('after the timeout');
    expect((await recv(server, 100, { timeout: null })).toString()).toBe('after the timeout');
  });

  it('rejects with ECONNRESET when the peer resets the connection', async () => {
    const { client, server } = await net.pair();
    const pending = recv(server, 10).catch((e: unknown) => e);
    client.resetAndDestroy();
    expect(await pending).toMatchObject({ code: 'ECONNRESET' });
  });

  it('rejects an invalid timeout with InvalidOptionError', async () => {
    const { server } = await net.pair();
    await expect(recv(server, 10, { timeout: -1 })).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(recv(server, 10, { timeout: -1 })).rejects.toMatchObject({
      code: 'ERR_SOCKSERVE_INVALID_OPTION',
      option: 'timeout',
    });
  });

  // BUG (socket-io.ts recv() + stream-reader.ts close(), the `!stream.readableEnded` guard):
  // recv reads the stream's whole buffer, keeps bufsize bytes and unshifts the rest in its
  // `finally`. When the peer's FIN had already arrived and recv runs from a macrotask (a
  // timer, an I/O or event callback), Node emits 'end' (queued by that read) before the
  // `finally` runs, so close() skips the unshift and the bytes beyond bufsize are dropped:
  // the next recv returns '' although the peer sent 'cd'. Python's recv keeps them.
  it('keeps the bytes beyond bufsize when the peer already closed its side', async () => {
    const { client, server } = await net.pair();
    const dataAndEnd = readableEvents(server, 2); // one for the data, one for the end of stream
    client.end('abcd');
    await dataAndEnd;
    const first = await new Promise<Buffer>((resolve, reject) => {
      setImmediate(() => {
        recv(server, 2).then(resolve, reject);
      });
    });
    expect(first.toString()).toBe('ab');
    expect((await recv(server, 2)).toString()).toBe('cd');
  });
});

describe('sendall', () => {
  it('resolves once the stream took the data; the peer receives it all', async () => {
    const { client, server } = await net.pair();
    await expect(sendall(server, 'text, ')).resolves.toBeUndefined();
    await sendall(server, Uint8Array.from([0x62, 0x79, 0x74, 0x65, 0x73]));
    server.end();
    expect((await readToEnd(client)).toString()).toBe('text, bytes');
  });

  it('waits while a slow peer is not reading, then resolves when it drained', async () => {
    const { client, server } = await net.pair();
    client.pause();
    const body = patternBuffer(8 << 20);
    const sent = sendall(server, body);
    client.write('ping');
    expect((await recv(server, 4)).toString()).toBe('ping'); // real I/O ran meanwhile
    expect(await isPending(sent)).toBe(true);
    expect(server.writableNeedDrain).toBe(true);

    const received = readToEnd(client);
    client.resume();
    await sent;
    expect(server.writableLength).toBe(0);
    server.end();
    expect((await received).equals(body)).toBe(true);
  });

  it('rejects with StreamClosedError on a destroyed socket', async () => {
    const { server } = await net.pair();
    server.destroy();
    const error = await sendall(server, 'x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamClosedError);
    expect(error).toMatchObject({
      code: 'ERR_SOCKSERVE_STREAM_CLOSED',
      message: 'the stream is closed',
    });
  });

  it('rejects with StreamClosedError when the peer resets during a pending send', async () => {
    const { client, server } = await net.pair();
    client.pause();
    const sent = sendall(server, patternBuffer(8 << 20)).catch((e: unknown) => e);
    expect(await isPending(sent)).toBe(true);
    client.resetAndDestroy();
    const error = await sent;
    expect(error).toBeInstanceOf(StreamClosedError);
    expect(error).toMatchObject({ code: 'ERR_SOCKSERVE_STREAM_CLOSED' });
  });
});
