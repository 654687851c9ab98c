/**
 * The static fixture tables, no HAProxy needed: every captured header parses to what it
 * says, whole, byte by byte and split anywhere, with the client's data after it untouched;
 * every prefix of it is `truncated`; every bad input gives its exact reason and offset.
 */
import { describe, expect, it } from 'vitest';
import { ProxyHeaderParser, ProxyProtocolError, parseProxyHeader } from '../src/index.js';
import { BAD_V1 } from './fixtures/bad-v1.js';
import { BAD_V2 } from './fixtures/bad-v2.js';
import { CAPTURED } from './fixtures/captured.js';
import { feed, parseEveryWay } from './helpers/parse-every-way.js';

const DATA = Buffer.from('client data\r\n\x00\xff');

describe('captured headers', () => {
  for (const fixture of CAPTURED) {
    it(`${fixture.name} (${fixture.from})`, () => {
      const bytes = Buffer.from(fixture.hex, 'hex');
      const outcome = parseEveryWay(Buffer.concat([bytes, DATA]));
      if (!outcome.ok) throw new Error(`${outcome.reason} at ${outcome.offset}`);
      const { header, rest } = outcome;
      expect(rest).toEqual(DATA);
      expect(header).toMatchObject({
        version: fixture.version,
        command: fixture.command,
        family: fixture.family,
        byteLength: bytes.length,
      });
      const address = (pair: readonly [string, number] | undefined) =>
        pair ? { family: fixture.family, host: pair[0], port: pair[1] } : null;
      expect(header.source).toEqual(address(fixture.source));
      expect(header.destination).toEqual(address(fixture.destination));
      expect(header.tlvs.all.map((t) => t.type)).toEqual(fixture.tlvTypes);
    });

    it(`${fixture.name}: truncated at every offset`, () => {
      const bytes = Buffer.from(fixture.hex, 'hex');
      for (let cut = 0; cut < bytes.length; cut++) {
        const prefix = bytes.subarray(0, cut);
        expect(feed([prefix])).toEqual({ ok: false, reason: 'truncated', offset: cut });
        expect(feed(Array.from(prefix, (b) => Buffer.from([b])))).toEqual({
          ok: false,
          reason: 'truncated',
          offset: cut,
        });
      }
    });
  }
});

describe('bad headers', () => {
  for (const bad of [...BAD_V1, ...BAD_V2]) {
    it(`${bad.name}: ${bad.reason} at byte ${bad.offset}`, () => {
      const options = bad.versions ? { versions: bad.versions } : undefined;
      // Followed by more data, as on a real connection: the error must not depend on it.
      const outcome = parseEveryWay(Buffer.concat([bad.bytes, DATA]), options);
      expect(outcome).toEqual({ ok: false, reason: bad.reason, offset: bad.offset });
      expect(parseEveryWay(bad.bytes, options)).toEqual(outcome);
      try {
        parseProxyHeader(bad.bytes, options);
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(ProxyProtocolError);
        expect(error).toMatchObject({
          name: 'ProxyProtocolError',
          code: 'ERR_SOCKSERVE_PROXY_HEADER',
          reason: bad.reason,
        });
        expect((error as Error).message).toContain(`(${bad.reason})`);
      }
    });
  }

  it('an error is sticky: later pushes and end() throw the same error', () => {
    const parser = new ProxyHeaderParser();
    let first: unknown;
    try {
      parser.push(Buffer.from('GET / HTTP/1.1\r\n'));
    } catch (error) {
      first = error;
    }
    expect(first).toBeInstanceOf(ProxyProtocolError);
    expect(() => parser.push(Buffer.from('PROXY UNKNOWN\r\n'))).toThrow(first as Error);
    expect(() => parser.end()).toThrow(first as Error);
  });
});
