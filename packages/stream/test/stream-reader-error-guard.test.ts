/**
 * The transport's `'error'` guard (core's `ignoreConnectionError`): a reader attached to a
 * connection that only the guard listens to for errors takes its place (one listener, no
 * listener array per idle connection, issue 11) and puts it back when it lets the stream go.
 * Errors reach the reader the same way, and a stream let go is still guarded.
 */
import { ignoreConnectionError } from '@sockserve/core/handler';
import { afterEach, describe, expect, it } from 'vitest';
import { StreamReader } from '../src/index.js';
import { Loopback } from './helpers.js';

const net = new Loopback();
afterEach(() => net.closeAll());

/** A connected pair whose accepted side is guarded as the transport guards it. */
async function guardedPair() {
  const pair = await net.pair();
  pair.server.removeAllListeners('error');
  pair.server.on('error', ignoreConnectionError);
  return pair;
}

describe("StreamReader and the transport's error guard", () => {
  it('takes the guard’s place while reading; a stream error still rejects the waiting read', async () => {
    const { client, server } = await guardedPair();
    const reader = new StreamReader(server);
    client.write('one\n');
    expect((await reader.readline()).toString()).toBe('one\n');
    expect(server.listenerCount('error')).toBe(1);
    expect(server.listenerCount('error', ignoreConnectionError)).toBe(0);
    const waiting = reader.readline();
    const failure = new Error('broken');
    server.destroy(failure);
    await expect(waiting).rejects.toBe(failure);
  });

  it('puts the guard back when it closes on a live stream: a later error is still caught', async () => {
    const { client, server } = await guardedPair();
    const reader = new StreamReader(server);
    client.write('one\ntwo\n');
    expect((await reader.readline()).toString()).toBe('one\n');
    reader.close();
    expect(server.listenerCount('error')).toBe(1);
    expect(server.listenerCount('error', ignoreConnectionError)).toBe(1);
    // The unread line went back to the stream for the next reader.
    const next = new StreamReader(server);
    expect((await next.readline()).toString()).toBe('two\n');
    next.close();
    // Without a listener this 'error' would be thrown (the test would crash).
    const closed = new Promise((resolve) => server.once('close', resolve));
    server.destroy(new Error('after the reader'));
    await closed;
    expect(server.listenerCount('error', ignoreConnectionError)).toBe(1);
  });

  it('leaves the guard alone when another listener also watches errors', async () => {
    const { client, server } = await guardedPair();
    const seen: Error[] = [];
    server.on('error', (error) => seen.push(error));
    const reader = new StreamReader(server);
    client.write('one\n');
    expect((await reader.readline()).toString()).toBe('one\n');
    expect(server.listenerCount('error')).toBe(3);
    expect(server.listenerCount('error', ignoreConnectionError)).toBe(1);
    reader.close();
    expect(server.listenerCount('error')).toBe(2);
    expect(seen).toEqual([]);
  });
});
