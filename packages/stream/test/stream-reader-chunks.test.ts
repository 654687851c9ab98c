/**
 * StreamReader at chunk boundaries: lines, CRLF and limits split over many chunks. The reader
 * keeps the chunks as they came and copies once; these pin that nothing is lost, duplicated
 * or reordered wherever the boundaries fall.
 */
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LineTooLongError, StreamReader } from '../src/index.js';
import { isPending, Loopback, patternBuffer, watchReads } from './helpers.js';

const net = new Loopback();
afterEach(async () => {
  vi.restoreAllMocks();
  await net.closeAll();
});

const text = (data: Buffer): string => data.toString('latin1');

/**
 * A real `Readable` that hands out `data` one byte per `read()` (highWaterMark 1, one push
 * per `_read`), then ends: every byte reaches the reader as its own chunk.
 */
function oneByteChunks(data: Buffer | string): Readable & { served: number } {
  const bytes = Buffer.from(data);
  let next = 0;
  const stream = new Readable({
    highWaterMark: 1,
    read() {
      if (next < bytes.length) {
        next += 1;
        this.push(bytes.subarray(next - 1, next));
      } else {
        this.push(null);
      }
    },
  }) as Readable & { served: number };
  Object.defineProperty(stream, 'served', { get: () => next });
  return stream;
}

describe('a line split over many chunks', () => {
  it('joins a line sent over TCP one byte at a time', async () => {
    const { client, server } = await net.pair();
    const reads = watchReads(server);
    const reader = new StreamReader(server);
    const line = reader.readline();
    const sent = 'one byte at a time\n';
    for (let i = 0; i < sent.length; i += 1) {
      client.write(sent[i] as string);
      await reads.waitFor(i + 1);
    }
    expect(text(await line)).toBe(sent);
    expect(reads.chunks.map((chunk) => chunk.length)).toEqual(Array(sent.length).fill(1));
    expect(reader.buffered).toBe(0);
  });

  it('returns lines, in order, from a stream of one-byte chunks', async () => {
    const data = 'first\nsecond line\n\nlast, unterminated';
    const reader = new StreamReader(oneByteChunks(data));
    const lines: string[] = [];
    for await (const line of reader) lines.push(text(line));
    expect(lines).toEqual(['first\n', 'second line\n', '\n', 'last, unterminated']);
  });

  it('keeps the bytes after the newline when the newline chunk holds more lines', async () => {
    const { client, server } = await net.pair();
    const reads = watchReads(server);
    const reader = new StreamReader(server);
    const first = reader.readline();
    for (const [i, part] of ['ab', 'c', 'd'].entries()) {
      client.write(part);
      await reads.waitFor(i + 1);
    }
    expect(await isPending(first)).toBe(true);
    client.write('e\nfg\nh');
    expect(text(await first)).toBe('abcde\n');
    expect(text(await reader.readline())).toBe('fg\n');
    expect(reader.buffered).toBe(1);
    client.end('ij\n');
    expect(text(await reader.readline())).toBe('hij\n');
    expect((await reader.readline()).length).toBe(0);
  });

  it('a CRLF split across chunks stays one line ending', async () => {
    const { client, server } = await net.pair();
    const reads = watchReads(server);
    const reader = new StreamReader(server);
    const line = reader.readline();
    client.write('GET / HTTP/1.0\r');
    await reads.waitFor(1);
    expect(await isPending(line)).toBe(true);
    client.write('\nHost: x\r');
    expect(text(await line)).toBe('GET / HTTP/1.0\r\n');
    const next = reader.readline();
    await reads.waitFor(2);
    expect(await isPending(next)).toBe(true);
    client.write('\n');
    expect(text(await next)).toBe('Host: x\r\n');
    expect(reads.chunks.map(text)).toEqual(['GET / HTTP/1.0\r', '\nHost: x\r', '\n']);
  });
});

describe('the line limit across chunks', () => {
  it('fails once the bytes of one line pass the limit, keeping every byte', async () => {
    const stream = oneByteChunks('abcdefghi\n');
    const reader = new StreamReader(stream, { maxLineLength: 8 });
    const error = await reader.readline().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LineTooLongError);
    expect(error).toMatchObject({ code: 'ERR_SOCKSERVE_LINE_TOO_LONG', limit: 8 });
    // It stopped at the first byte past the limit, before the rest of the line arrived: the
    // stream was paused there, and what it read ahead (at most its own highWaterMark) is
    // still in it, not taken.
    expect(reader.buffered).toBe(9);
    expect(stream.isPaused()).toBe(true);
    expect(stream.readableLength).toBeLessThanOrEqual(stream.readableHighWaterMark);
    expect(stream.served).toBe(9 + stream.readableLength);
    expect(text(await reader.readline(10))).toBe('abcdefghi\n');
  });

  it('accepts a line of exactly the limit split over one-byte chunks', async () => {
    const reader = new StreamReader(oneByteChunks('abcdefg\nrest'), { maxLineLength: 8 });
    expect(text(await reader.readline())).toBe('abcdefg\n');
    expect(text(await reader.readline())).toBe('rest');
  });

  it('fails at the limit over TCP when the line arrives in pieces', async () => {
    const { client, server } = await net.pair();
    const reads = watchReads(server);
    const reader = new StreamReader(server, { maxLineLength: 10 });
    const line = reader.readline();
    client.write('12345');
    await reads.waitFor(1);
    client.write('6789');
    await reads.waitFor(2);
    expect(await isPending(line)).toBe(true);
    client.write('AB\n');
    await expect(line).rejects.toMatchObject({ code: 'ERR_SOCKSERVE_LINE_TOO_LONG', limit: 10 });
    expect(reader.buffered).toBe(12);
    expect(text(await reader.readline(12))).toBe('123456789AB\n');
  });
});

describe('byte reads across chunks', () => {
  it('read(n) and readExactly(n) gather one-byte chunks into one buffer', async () => {
    const body = patternBuffer(300);
    const reader = new StreamReader(oneByteChunks(body));
    const first = await reader.read(100);
    const second = await reader.readExactly(150);
    expect(Buffer.concat([first, second])).toEqual(body.subarray(0, 250));
    expect(await reader.read()).toEqual(body.subarray(250));
  });

  it('read1 returns what a failed line read left over two chunks, at most n', async () => {
    const { client, server } = await net.pair();
    const reads = watchReads(server);
    const reader = new StreamReader(server, { maxLineLength: 3 });
    const line = reader.readline().catch((e: unknown) => e);
    client.write('ab');
    await reads.waitFor(1);
    client.write('cd');
    expect(await line).toBeInstanceOf(LineTooLongError);
    expect(reads.chunks.map(text)).toEqual(['ab', 'cd']);
    expect(text(await reader.read1(3))).toBe('abc');
    expect(text(await reader.read1(3))).toBe('d');
    const next = reader.read1(3);
    expect(await isPending(next)).toBe(true);
    client.write('e');
    expect(text(await next)).toBe('e');
  });

  it('close() ends a read waiting on many chunks with all their bytes, in order', async () => {
    const { client, server } = await net.pair();
    const reads = watchReads(server);
    const reader = new StreamReader(server);
    const line = reader.readline();
    for (const [i, part] of ['one ', 'two ', 'three'].entries()) {
      client.write(part);
      await reads.waitFor(i + 1);
    }
    const pending = line.catch((e: unknown) => e);
    reader.close();
    // The waiting read ends as at end of stream, with what it had.
    expect(text((await pending) as Buffer)).toBe('one two three');
    const second = new StreamReader(server);
    client.write(' four\n');
    expect(text(await second.readline())).toBe(' four\n');
  });

  it('close() with a partial line over several chunks and no waiting read unshifts it all', async () => {
    const { client, server } = await net.pair();
    const reads = watchReads(server);
    const reader = new StreamReader(server, { maxLineLength: 4 });
    client.write('ab');
    const first = reader.readline().catch((e: unknown) => e);
    await reads.waitFor(1);
    client.write('cdef');
    expect(await first).toBeInstanceOf(LineTooLongError);
    reader.close();
    const second = new StreamReader(server);
    client.write('g\n');
    expect(text(await second.readline())).toBe('abcdefg\n');
  });
});
