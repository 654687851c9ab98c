/**
 * The cheap paths `for await (const line of rfile) await wfile.write(...)` relies on (issue 11:
 * the idiom's cost a line), on real loopback sockets: a write the socket took returns one
 * shared promise, already fulfilled — no promise a write, and its `await` resumes at the next
 * microtask —, while a write under backpressure returns a pending one that the drain settles
 * (backpressure kept); `next()` with a line already buffered returns a promise already
 * fulfilled (no pending promise, no wait), and lines keep their order either way.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { StreamReader, StreamWriter } from '../src/index.js';
import { isPending, Loopback, patternBuffer, readToEnd } from './helpers.js';

const net = new Loopback();
afterEach(async () => {
  await net.closeAll();
});

/** True when `promise` is fulfilled already: its reaction runs at the first microtask. */
async function fulfilledNow(promise: Promise<unknown>): Promise<boolean> {
  let fulfilled = false;
  promise.then(() => {
    fulfilled = true;
  });
  await undefined;
  return fulfilled;
}

describe('wfile.write when the socket takes the bytes', () => {
  it('returns one shared promise, already fulfilled, for every writer', async () => {
    const a = await net.pair();
    const b = await net.pair();
    const first = new StreamWriter(a.server);
    const second = new StreamWriter(b.server);
    const writes = [first.write('one\n'), first.write('two\n'), second.write('three\n')];
    expect(new Set(writes).size).toBe(1);
    expect(await fulfilledNow(writes[0] as Promise<void>)).toBe(true);
    a.server.end();
    b.server.end();
    expect((await readToEnd(a.client)).toString()).toBe('one\ntwo\n');
    expect((await readToEnd(b.client)).toString()).toBe('three\n');
  });

  it('under backpressure returns a pending promise instead, settled by the drain', async () => {
    const { client, server } = await net.pair();
    client.pause();
    const writer = new StreamWriter(server);
    const taken = writer.write('small\n');
    const waiting = writer.write(patternBuffer(8 << 20));
    expect(waiting).not.toBe(taken);
    expect(await isPending(waiting)).toBe(true);
    const received = readToEnd(client);
    client.resume();
    await waiting;
    server.end();
    expect((await received).length).toBe(6 + (8 << 20));
  });
});

describe('line iteration with a line already buffered', () => {
  it('next() returns a promise already fulfilled; lines keep their order', async () => {
    const { client, server } = await net.pair();
    const lines = new StreamReader(server)[Symbol.asyncIterator]();
    const waited = lines.next();
    expect(await isPending(waited)).toBe(true);
    client.write('one\ntwo\nthree\n');
    expect((await waited).value?.toString()).toBe('one\n');
    const second = lines.next();
    const third = lines.next();
    expect(await fulfilledNow(second)).toBe(true);
    expect(await fulfilledNow(third)).toBe(true);
    expect([(await second).value?.toString(), (await third).value?.toString()]).toEqual([
      'two\n',
      'three\n',
    ]);
    const end = lines.next();
    expect(await isPending(end)).toBe(true);
    client.end();
    expect(await end).toEqual({ done: true, value: undefined });
  });
});
