/**
 * `ProxyHeaderParser.feed` and `rest`: the server's form of `push` (no result object per
 * header, issue 14). The same header, the same rest and the same errors as `push`, whole, split
 * and byte by byte; after the header each chunk comes back as `rest`.
 */
import { describe, expect, it } from 'vitest';
import { encodeProxyHeader, ProxyHeaderParser, ProxyProtocolError } from '../src/index.js';

const v2 = encodeProxyHeader({
  version: 2,
  family: 'IPv4',
  source: { family: 'IPv4', host: '203.0.113.7', port: 51234 },
  destination: { family: 'IPv4', host: '203.0.113.8', port: 443 },
});
const v1 = encodeProxyHeader({
  version: 1,
  family: 'IPv6',
  source: { family: 'IPv6', host: '2001:db8::1', port: 1 },
  destination: { family: 'IPv6', host: '2001:db8::2', port: 2 },
});
const payload = Buffer.from('GET / HTTP/1.0\r\n');

/** Feeds `chunks`; the header and rest once complete, or undefined. */
function feedAll(chunks: Buffer[]) {
  const parser = new ProxyHeaderParser();
  for (const [i, chunk] of chunks.entries()) {
    const header = parser.feed(chunk);
    if (header !== undefined) return { header, rest: parser.rest, tail: chunks.slice(i + 1) };
    expect(parser.rest).toBeUndefined();
  }
  return undefined;
}

describe('ProxyHeaderParser.feed', () => {
  for (const [name, bytes] of [
    ['v2', v2],
    ['v1', v1],
  ] as const) {
    it(`${name}: the header and rest equal push's, whole, split anywhere and byte by byte`, () => {
      const input = Buffer.concat([bytes, payload]);
      const expected = new ProxyHeaderParser().push(input);
      if (!expected.done) throw new Error('push did not finish');
      const whole = feedAll([input]);
      expect(whole?.header).toEqual(expected.header);
      expect(whole?.rest).toEqual(payload);
      for (let cut = 1; cut < input.length; cut++) {
        const split = feedAll([input.subarray(0, cut), input.subarray(cut)]);
        expect(split?.header).toEqual(expected.header);
        // The chunk that completes the header holds what follows it.
        const restSeen = Buffer.concat([split?.rest ?? Buffer.alloc(0), ...(split?.tail ?? [])]);
        expect(restSeen).toEqual(payload);
      }
      const bytewise = feedAll([...input].map((b) => Buffer.from([b])));
      expect(bytewise?.header).toEqual(expected.header);
      expect(Object.isFrozen(bytewise?.header)).toBe(true);
    });
  }

  it('a header alone: rest is empty; later chunks come back as rest with the same header', () => {
    const parser = new ProxyHeaderParser();
    const header = parser.feed(v2);
    expect(header?.source).toEqual({ family: 'IPv4', host: '203.0.113.7', port: 51234 });
    expect(parser.rest?.length).toBe(0);
    expect(parser.feed(payload)).toBe(header);
    expect(parser.rest).toBe(payload);
    expect(parser.push(payload)).toEqual({ done: true, header, rest: payload });
  });

  it('throws the same ProxyProtocolError as push, at the same offset, and again after', () => {
    const bad = Buffer.from(v2);
    bad[12] = 0x23; // version 2, command 3
    const parser = new ProxyHeaderParser();
    let first: unknown;
    try {
      parser.feed(bad);
    } catch (error) {
      first = error;
    }
    expect(first).toBeInstanceOf(ProxyProtocolError);
    expect(first).toMatchObject({ reason: 'bad-command', offset: 12 });
    expect(() => parser.feed(payload)).toThrow(first as Error);
    expect(() => new ProxyHeaderParser().push(bad)).toThrow(
      expect.objectContaining({ reason: 'bad-command', offset: 12 }),
    );
  });

  it('reset() forgets the rest as well as the header', () => {
    const parser = new ProxyHeaderParser();
    parser.feed(Buffer.concat([v2, payload]));
    expect(parser.rest).toEqual(payload);
    parser.reset();
    expect(parser.rest).toBeUndefined();
    expect(parser.header).toBeUndefined();
    expect(parser.feed(v2.subarray(0, 5))).toBeUndefined();
    expect(parser.bytesReceived).toBe(5);
  });
});
