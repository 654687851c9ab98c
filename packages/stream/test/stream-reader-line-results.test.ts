/**
 * Line iteration's results (waiting.ts `lineResult`) are made by an exhausted array iterator,
 * so they have V8's iterator-result shape and settle a promise without a `then` lookup. They
 * must still be what a `{ done, value }` literal was: a fresh plain object per line (a caller
 * may keep one), `done: false` with the line, `done: true` with `value: undefined` at the end —
 * whether the line was already buffered or arrived while the read waited.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { StreamReader } from '../src/index.js';
import { isPending, Loopback } from './helpers.js';

const net = new Loopback();
afterEach(async () => {
  await net.closeAll();
});

describe('line iteration results', () => {
  it('each line, waited for or buffered, is a fresh plain result that later lines leave alone', async () => {
    const { client, server } = await net.pair();
    const lines = new StreamReader(server)[Symbol.asyncIterator]();
    const waited = lines.next();
    expect(await isPending(waited)).toBe(true);
    client.write('one\n');
    const first = await waited;
    // Two lines in one chunk: the second is buffered when its next() comes.
    client.write('two\nthree\n');
    const second = await lines.next();
    const third = await lines.next();
    expect([first, second, third].map((r) => r.value?.toString())).toEqual([
      'one\n',
      'two\n',
      'three\n',
    ]);
    for (const result of [first, second, third]) {
      expect(result).toEqual({ done: false, value: expect.any(Buffer) });
      expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
      expect('then' in result).toBe(false);
      expect(Object.keys(result).sort()).toEqual(['done', 'value']);
    }
    expect(new Set([first, second, third]).size).toBe(3);
    client.end();
    const end = await lines.next();
    expect(end).toEqual({ done: true, value: undefined });
    expect(Object.hasOwn(end, 'value')).toBe(true);
    expect(end).not.toBe(await lines.next());
  });

  it('for await sees every line and ends at the end of stream, mid-line rest included', async () => {
    const { client, server } = await net.pair();
    const reader = new StreamReader(server);
    const seen: string[] = [];
    const done = (async () => {
      for await (const line of reader) seen.push(line.toString());
    })();
    client.write('a\n');
    client.write('b\nc');
    client.end('d');
    await done;
    expect(seen).toEqual(['a\n', 'b\n', 'cd']);
  });
});
