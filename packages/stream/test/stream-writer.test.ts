/** StreamWriter (a stream handler's `wfile`) over real loopback TCP sockets. */
import { afterEach, describe, expect, it } from 'vitest';
import { StreamClosedError, StreamReader, StreamWriter } from '../src/index.js';
import { isPending, Loopback, patternBuffer, readToEnd } from './helpers.js';

const net = new Loopback();
afterEach(async () => {
  await net.closeAll();
});

const EIGHT_MIB = 8 << 20;

describe('write', () => {
  it('resolves and the peer receives strings and byte arrays in order', async () => {
    const { client, server } = await net.pair();
    const writer = new StreamWriter(server);
    const bytes = Uint8Array.from([0x30, 0x31, 0x32, 0x33, 0x34, 0x35]);
    await expect(writer.write('héllo ')).resolves.toBeUndefined();
    await writer.write(bytes.subarray(2, 5)); // a view with an offset: only "234"
    await writer.write(Buffer.from(' end'));
    expect(writer.closed).toBe(false);
    server.end();
    expect((await readToEnd(client)).toString('utf8')).toBe('héllo 234 end');
  });

  it('writelines writes each item in turn', async () => {
    const { client, server } = await net.pair();
    const writer = new StreamWriter(server);
    await writer.writelines(['a\n', Buffer.from('b\n'), 'c\n']);
    server.end();
    expect((await readToEnd(client)).toString()).toBe('a\nb\nc\n');
  });

  it('a large write to a peer that does not read stays pending until it drained', async () => {
    const { client, server } = await net.pair();
    client.pause();
    const writer = new StreamWriter(server);
    const body = patternBuffer(EIGHT_MIB);
    const written = writer.write(body);
    expect(server.writableNeedDrain).toBe(true);

    // A full round trip the other way (client -> server) runs real I/O; the write still waits.
    client.write('ping\n');
    expect((await new StreamReader(server).readline()).toString()).toBe('ping\n');
    expect(await isPending(written)).toBe(true);
    expect(server.writableNeedDrain).toBe(true);
    expect(server.writableLength).toBeGreaterThan(0);
    // flush() waits for the same drain.
    const flushed = writer.flush();
    expect(await isPending(flushed)).toBe(true);

    // The peer reads now: the write resolves once everything was handed to the kernel.
    const received = readToEnd(client);
    client.resume();
    await written;
    expect(server.writableNeedDrain).toBe(false);
    expect(server.writableLength).toBe(0);
    await flushed;
    server.end();
    const got = await received;
    expect(got.length).toBe(EIGHT_MIB);
    expect(got.equals(body)).toBe(true);
  });

  it('a write to a peer that stopped reading fails after timeout with WriteTimeoutError', async () => {
    const { client, server } = await net.pair();
    client.pause();
    const writer = new StreamWriter(server, { timeout: 50 });
    const big = Buffer.alloc(8 * 1024 * 1024, 0x61);
    await expect(writer.write(big)).rejects.toMatchObject({
      code: 'ERR_SOCKSERVE_WRITE_TIMEOUT',
      timeout: 50,
    });
    expect(() => new StreamWriter(server, { timeout: -1 })).toThrow(
      expect.objectContaining({ option: 'timeout' }),
    );
  });

  it('flush resolves at once when nothing is pending', async () => {
    const { server } = await net.pair();
    const writer = new StreamWriter(server);
    await writer.write('small');
    const flushed = writer.flush();
    expect(await isPending(flushed)).toBe(false);
    await expect(flushed).resolves.toBeUndefined();
  });
});

describe('closed streams', () => {
  it('write after close() rejects with StreamClosedError; the socket itself stays open', async () => {
    const { client, server } = await net.pair();
    const writer = new StreamWriter(server);
    await writer.write('before');
    await writer.close();
    await writer.close(); // idempotent
    expect(writer.closed).toBe(true);

    const error = await writer.write('after').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamClosedError);
    expect(error).toMatchObject({
      name: 'StreamClosedError',
      code: 'ERR_SOCKSERVE_STREAM_CLOSED',
      message: 'the stream is closed',
    });
    expect((error as Error).cause).toBeUndefined();
    await expect(writer.writelines(['x'])).rejects.toBeInstanceOf(StreamClosedError);

    // close() does not end the connection (the server's shutdownRequest does).
    expect(server.writableEnded).toBe(false);
    expect(server.destroyed).toBe(false);
    server.end();
    expect((await readToEnd(client)).toString()).toBe('before');
  });

  it('write to a socket the peer reset rejects with StreamClosedError caused by ECONNRESET', async () => {
    const { client, server } = await net.pair();
    const writer = new StreamWriter(server);
    const serverClosed = new Promise<void>((resolve) => server.once('close', () => resolve()));
    // Keep the server reading so it notices the reset.
    const reading = new StreamReader(server).read().catch((e: unknown) => e);
    client.resetAndDestroy();
    expect(await reading).toMatchObject({ code: 'ECONNRESET' });
    await serverClosed;
    expect(writer.closed).toBe(true);

    const error = await writer.write('anyone?').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamClosedError);
    expect(error).toMatchObject({
      code: 'ERR_SOCKSERVE_STREAM_CLOSED',
      message: expect.stringMatching(/^the stream is closed: /),
      cause: expect.objectContaining({ code: 'ECONNRESET' }),
    });
    await expect(writer.flush()).rejects.toMatchObject({ code: 'ERR_SOCKSERVE_STREAM_CLOSED' });
    // close() on a destroyed stream does not try to flush and does not reject.
    await expect(writer.close()).resolves.toBeUndefined();
  });

  it('a write pending on backpressure rejects when the peer resets', async () => {
    const { client, server } = await net.pair();
    client.pause();
    const writer = new StreamWriter(server);
    const written = writer.write(patternBuffer(EIGHT_MIB)).catch((e: unknown) => e);
    expect(await isPending(written)).toBe(true);
    client.resetAndDestroy();
    const error = await written;
    expect(error).toBeInstanceOf(StreamClosedError);
    expect(error).toMatchObject({ code: 'ERR_SOCKSERVE_STREAM_CLOSED' });
    expect(['ECONNRESET', 'EPIPE']).toContain(((error as Error).cause as { code?: string }).code);
    expect(server.destroyed).toBe(true);
  });

  it('writes and a flush waiting on one drain all resolve with it, and leave no listener behind', async () => {
    const { client, server } = await net.pair();
    const baseline = ['drain', 'finish', 'close'].map((event) => server.listenerCount(event));
    client.pause();
    const writer = new StreamWriter(server);
    const first = writer.write(patternBuffer(EIGHT_MIB));
    const second = writer.write('tail\n');
    const flushed = writer.flush();
    expect(await isPending(first)).toBe(true);
    expect(await isPending(second)).toBe(true);
    expect(await isPending(flushed)).toBe(true);
    const received = readToEnd(client);
    client.resume();
    await Promise.all([first, second, flushed]);
    expect(['drain', 'finish', 'close'].map((event) => server.listenerCount(event))).toEqual(
      baseline,
    );
    server.end();
    const got = await received;
    expect(got.length).toBe(EIGHT_MIB + 5);
    expect(got.subarray(EIGHT_MIB).toString()).toBe('tail\n');
  });

  it('write after the peer closed its end (FIN) rejects with StreamClosedError', async () => {
    const { client, server } = await net.pair();
    const writer = new StreamWriter(server);
    client.end();
    // The server reads to EOF; without allowHalfOpen its socket then ends its side too.
    expect((await new StreamReader(server).read()).length).toBe(0);
    await expect(writer.write('too late')).rejects.toMatchObject({
      name: 'StreamClosedError',
      code: 'ERR_SOCKSERVE_STREAM_CLOSED',
    });
  });
});
