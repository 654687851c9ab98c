/**
 * StreamReader in flowing mode: once a handler has read, chunks come to the reader as 'data'
 * events, and the reader pauses the stream when it holds the stream's high-water mark with no
 * read waiting — a handler that stops reading still pushes back on its client — and hands the
 * stream back paused, with no 'data' listener, when it closes.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StreamReader } from '../src/index.js';
import { Loopback, patternBuffer } from './helpers.js';

const net = new Loopback();
afterEach(async () => {
  vi.restoreAllMocks();
  await net.closeAll();
});

/** Largest chunk a loopback TCP socket hands out at once (Node reads 64 KiB at a time). */
const MAX_CHUNK = 65536;

describe('backpressure while nobody reads', () => {
  it('pauses the stream once the reader holds its high-water mark; every byte still arrives', async () => {
    const { client, server } = await net.pair();
    const reader = new StreamReader(server);
    // Far more than the kernel's loopback buffers and both streams' buffers hold together.
    const body = patternBuffer(32 * 1024 * 1024);
    client.write('go\n');
    expect((await reader.readline()).toString()).toBe('go\n');
    client.end(body);
    // The handler reads nothing more: the reader keeps chunks up to the mark, then pauses.
    await vi.waitFor(() => expect(server.isPaused()).toBe(true), { timeout: 10_000 });
    // Paused, the socket fills its own buffer and stops reading from the kernel.
    await vi.waitFor(
      () => expect(server.readableLength).toBeGreaterThanOrEqual(server.readableHighWaterMark),
      { timeout: 10_000 },
    );
    expect(reader.buffered).toBeGreaterThanOrEqual(server.readableHighWaterMark);
    expect(reader.buffered).toBeLessThan(server.readableHighWaterMark + MAX_CHUNK);
    // The client could not hand everything to the kernel: it is held back, not buffered here.
    expect(client.writableLength).toBeGreaterThan(0);
    // Reading again resumes the stream; nothing was lost or reordered.
    const got = await reader.read();
    expect(got.length).toBe(body.length);
    expect(got.equals(body)).toBe(true);
  });
});

describe('close', () => {
  it('hands the stream back paused, without its listeners, the unread bytes put back', async () => {
    const { client, server } = await net.pair();
    const dataListeners = server.listenerCount('data');
    const reader = new StreamReader(server);
    client.write('one\ntwo\n');
    expect((await reader.readline()).toString()).toBe('one\n');
    reader.close();
    expect(server.listenerCount('data')).toBe(dataListeners);
    expect(server.isPaused()).toBe(true);
    expect(server.readableLength).toBe('two\n'.length);
    // Bytes that come after the close wait in the stream for the next reader.
    client.write('three\n');
    const next = new StreamReader(server);
    expect((await next.readline()).toString()).toBe('two\n');
    expect((await next.readline()).toString()).toBe('three\n');
  });
});
