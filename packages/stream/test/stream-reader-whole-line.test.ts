/**
 * A chunk that is exactly one line, arriving while a line read waits with nothing buffered, is
 * taken whole (read-waiter.ts `takeWholeLine`, the usual request on a persistent connection).
 * Each case here is an edge of that fast path: it must give what buffering the chunk first
 * gives — lines split across chunks, several lines in one chunk, the end of stream mid-line,
 * a line over the limit, an error while a read waits.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LineTooLongError, StreamReader } from '../src/index.js';
import { isPending, Loopback } from './helpers.js';

const net = new Loopback();
afterEach(async () => {
  await net.closeAll();
});

const text = (result: IteratorResult<Buffer>) =>
  result.done === true ? 'done' : result.value.toString();

describe('one line in one chunk, read waiting', () => {
  it('iteration gets each line as its own result, a bare newline included', async () => {
    const { client, server } = await net.pair();
    const lines = new StreamReader(server)[Symbol.asyncIterator]();
    for (const line of ['first\n', '\n', 'third line\n']) {
      const next = lines.next();
      expect(await isPending(next)).toBe(true);
      client.write(line);
      const result = await next;
      expect(result.done).toBe(false);
      expect(text(result)).toBe(line);
    }
    client.end();
    expect(text(await lines.next())).toBe('done');
  });

  it('readline() resolves with the line itself, and the next bytes stay for the next read', async () => {
    const { client, server } = await net.pair();
    const reader = new StreamReader(server);
    const first = reader.readline();
    expect(await isPending(first)).toBe(true);
    client.write('ping\n');
    const line = await first;
    expect(Buffer.isBuffer(line)).toBe(true);
    expect(line.toString()).toBe('ping\n');
    expect(reader.buffered).toBe(0);
    client.end('tail');
    expect((await reader.readline()).toString()).toBe('tail');
    expect((await reader.readline()).length).toBe(0);
  });
});

describe('what the fast path must leave to the buffer', () => {
  it('several lines in one chunk come out one by one', async () => {
    const { client, server } = await net.pair();
    const lines = new StreamReader(server)[Symbol.asyncIterator]();
    const next = lines.next();
    expect(await isPending(next)).toBe(true);
    client.write('a\nbb\nccc\n');
    expect(text(await next)).toBe('a\n');
    expect(text(await lines.next())).toBe('bb\n');
    expect(text(await lines.next())).toBe('ccc\n');
    client.end();
    expect(text(await lines.next())).toBe('done');
  });

  it('a line split across chunks is joined, the second chunk ending in its newline', async () => {
    const { client, server } = await net.pair();
    const reader = new StreamReader(server);
    const line = reader.readline();
    client.write('hel');
    await vi.waitFor(() => expect(reader.buffered).toBe(3));
    expect(await isPending(line)).toBe(true);
    // This chunk is one line's end exactly: with bytes buffered it is not a line on its own.
    client.write('lo\n');
    expect((await line).toString()).toBe('hello\n');
    expect(reader.buffered).toBe(0);
  });

  it('a chunk ending a line and starting the next keeps the start for the next read', async () => {
    const { client, server } = await net.pair();
    const reader = new StreamReader(server);
    const first = reader.readline();
    client.write('one\ntw');
    expect((await first).toString()).toBe('one\n');
    await vi.waitFor(() => expect(reader.buffered).toBe(2));
    const second = reader.readline();
    expect(await isPending(second)).toBe(true);
    client.write('o\n');
    expect((await second).toString()).toBe('two\n');
  });

  it('the end of the stream mid-line gives the partial line, then the end', async () => {
    const { client, server } = await net.pair();
    const lines = new StreamReader(server)[Symbol.asyncIterator]();
    const next = lines.next();
    client.end('no newline');
    expect(text(await next)).toBe('no newline');
    expect(text(await lines.next())).toBe('done');
  });

  it('a one-chunk line over the limit fails with LineTooLongError; one at the limit is read', async () => {
    const { client, server } = await net.pair();
    const reader = new StreamReader(server);
    const atLimit = reader.readline(4);
    expect(await isPending(atLimit)).toBe(true);
    client.write('abc\n');
    expect((await atLimit).toString()).toBe('abc\n');
    const over = reader.readline(4);
    expect(await isPending(over)).toBe(true);
    client.write('abcd\n');
    await expect(over).rejects.toBeInstanceOf(LineTooLongError);
    // The long line stays buffered, as when it came in pieces.
    expect(reader.buffered).toBe(5);
    expect((await reader.readline()).toString()).toBe('abcd\n');
  });

  it('an error while a line read waits rejects it, and the next read', async () => {
    const { server } = await net.pair();
    const lines = new StreamReader(server)[Symbol.asyncIterator]();
    const next = lines.next();
    expect(await isPending(next)).toBe(true);
    server.destroy(new Error('boom'));
    await expect(next).rejects.toThrow('boom');
    await expect(lines.next()).rejects.toThrow('boom');
  });
});
