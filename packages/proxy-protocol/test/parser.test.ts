/**
 * The parser's contract beyond the fixture tables: options, what happens after the header,
 * the end of the stream, the size cap, LOCAL and UNKNOWN, and canonical IPv6 text.
 */
import { describe, expect, it } from 'vitest';
import {
  encodeProxyHeader,
  ProxyHeaderParser,
  ProxyProtocolError,
  parseProxyHeader,
  tlv,
  V2_SIGNATURE,
} from '../src/index.js';
import { feed, parseEveryWay } from './helpers/parse-every-way.js';

const SIG = Buffer.from('0d0a0d0a000d0a515549540a', 'hex');

describe('ProxyHeaderParser options', () => {
  it('refuses bad options before reading anything', () => {
    expect(() => new ProxyHeaderParser({ versions: [] })).toThrow(TypeError);
    expect(() => new ProxyHeaderParser({ versions: [3 as 1] })).toThrow(TypeError);
    expect(() => new ProxyHeaderParser({ maxHeaderBytes: 231 })).toThrow(RangeError);
    expect(() => new ProxyHeaderParser({ maxHeaderBytes: 65552 })).toThrow(RangeError);
    expect(() => new ProxyHeaderParser({ maxHeaderBytes: 1000.5 })).toThrow(RangeError);
    expect(() => new ProxyHeaderParser({ maxHeaderBytes: 65551, versions: [2] })).not.toThrow();
  });

  it('maxHeaderBytes caps v2 headers exactly', () => {
    const header = encodeProxyHeader({
      version: 2,
      family: 'unspec',
      tlvs: [tlv(0xe0, Buffer.alloc(300 - 16 - 3))],
    });
    expect(header.length).toBe(300);
    expect(parseEveryWay(header, { maxHeaderBytes: 300 })).toMatchObject({ ok: true });
    expect(parseEveryWay(header, { maxHeaderBytes: 299 })).toEqual({
      ok: false,
      reason: 'too-long',
      offset: 15,
    });
  });

  it('reads the largest v2 header the protocol allows (65551 bytes) whole and byte by byte', () => {
    const header = encodeProxyHeader({
      version: 2,
      family: 'unspec',
      tlvs: [tlv(0xe0, Buffer.alloc(65535 - 3, 1))],
    });
    expect(header.length).toBe(65551);
    const options = { maxHeaderBytes: 65551 };
    const whole = feed([header], options);
    expect(whole).toMatchObject({ ok: true, header: { byteLength: 65551 } });
    expect(
      feed(
        Array.from(header, (b) => Buffer.from([b])),
        options,
      ),
    ).toEqual(whole);
  });
});

describe('after the header', () => {
  it('hands back the bytes after the header, and later chunks as they come', () => {
    const parser = new ProxyHeaderParser();
    const first = parser.push(Buffer.from('PROXY UNKNOWN\r\nHELLO'));
    expect(first.done && first.rest.toString()).toBe('HELLO');
    const next = parser.push(Buffer.from(' again'));
    expect(next).toMatchObject({ done: true, header: parser.header });
    expect(next.done && next.rest.toString()).toBe(' again');
    expect(parser.end()).toBe(parser.header);
  });

  it('accepts Uint8Array chunks, not only Buffers', () => {
    const bytes = new Uint8Array(Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\nx'));
    const result = new ProxyHeaderParser().push(bytes);
    expect(result.done && result.rest.toString()).toBe('x');
  });

  it('returns `rest` as a view of the chunk, and header values as copies', () => {
    const chunk = encodeProxyHeader({ version: 2, family: 'unspec', tlvs: [tlv(1, 'h2')] });
    const input = Buffer.concat([chunk, Buffer.from('data')]);
    const { header, rest } = parseProxyHeader(input);
    input.fill(0);
    expect(header.tlvs.alpn!.toString()).toBe('h2');
    expect(rest).toEqual(Buffer.alloc(4));
  });
});

describe('reset()', () => {
  const v2 = encodeProxyHeader({
    version: 2,
    family: 'IPv4',
    source: { family: 'IPv4', host: '192.0.2.1', port: 1000 },
    destination: { family: 'IPv4', host: '192.0.2.2', port: 80 },
  });

  it('after a header, an error, or half a header, reads the next stream as a new parser would', () => {
    const parser = new ProxyHeaderParser({ versions: [2] });
    const done = parser.push(v2);
    expect(done.done).toBe(true);
    parser.reset();
    expect(() => parser.push(Buffer.from('GET / HTTP/1.1\r\n'))).toThrow(
      expect.objectContaining({ reason: 'bad-signature', offset: 0 }),
    );
    parser.reset();
    // Half a header in place, then reset: nothing of it is left.
    expect(parser.push(v2.subarray(0, 10)).done).toBe(false);
    parser.reset();
    expect(parser.bytesReceived).toBe(0);
    expect(parser.header).toBeUndefined();
    expect(() => parser.push(Buffer.from('PROXY UNKNOWN\r\n'))).toThrow(
      expect.objectContaining({ reason: 'version-disabled' }),
    );
    parser.reset();
    // Split at every offset after a reset: the same header as a new parser gives.
    const fresh = parseProxyHeader(v2).header;
    for (let cut = 1; cut < v2.length; cut++) {
      parser.reset();
      expect(parser.push(v2.subarray(0, cut)).done).toBe(false);
      const result = parser.push(Buffer.concat([v2.subarray(cut), Buffer.from('x')]));
      expect(result.done && result.header).toEqual(fresh);
      expect(result.done && result.rest.toString()).toBe('x');
    }
  });

  it('a header split across chunks does not depend on the first chunk staying unchanged', () => {
    const parser = new ProxyHeaderParser();
    for (const input of [v2, Buffer.from('PROXY TCP4 192.0.2.1 192.0.2.2 1000 80\r\n')]) {
      parser.reset();
      const first = Buffer.from(input.subarray(0, 14));
      expect(parser.push(first).done).toBe(false);
      first.fill(0); // a socket's chunk the parser held a view of would now be garbage
      const result = parser.push(Buffer.from(input.subarray(14)));
      expect(result.done && result.header).toEqual(parseProxyHeader(input).header);
    }
  });
});

describe('exported constants', () => {
  it('V2_SIGNATURE is a copy: changing it does not change what the parser accepts', () => {
    const header = encodeProxyHeader({ version: 2, command: 'LOCAL', family: 'unspec' });
    V2_SIGNATURE[0] = 0x00;
    try {
      expect(parseProxyHeader(header).header.command).toBe('LOCAL');
      expect(header.subarray(0, 12)).toEqual(SIG);
    } finally {
      V2_SIGNATURE[0] = 0x0d;
    }
  });
});

describe('end of stream', () => {
  it('nothing received: truncated at 0, bytesReceived 0 (a checker that connects and resets)', () => {
    const parser = new ProxyHeaderParser();
    expect(() => parser.end()).toThrow(
      expect.objectContaining({
        code: 'ERR_SOCKSERVE_PROXY_HEADER',
        reason: 'truncated',
        offset: 0,
      }),
    );
    expect(parser.bytesReceived).toBe(0);
  });

  it('half a header: truncated, bytesReceived says how much came', () => {
    const parser = new ProxyHeaderParser();
    expect(parser.push(SIG)).toEqual({ done: false });
    expect(parser.bytesReceived).toBe(12);
    expect(() => parser.end()).toThrow(ProxyProtocolError);
  });
});

describe('LOCAL and UNKNOWN', () => {
  it('LOCAL with an address block decodes it; the spec says to use the socket’s anyway', () => {
    const header = encodeProxyHeader({
      version: 2,
      command: 'LOCAL',
      family: 'IPv4',
      source: { family: 'IPv4', host: '10.0.0.1', port: 1 },
      destination: { family: 'IPv4', host: '10.0.0.2', port: 2 },
    });
    const outcome = parseEveryWay(header);
    expect(outcome).toMatchObject({ ok: true, header: { command: 'LOCAL', family: 'IPv4' } });
  });

  it('LOCAL too short for its family is skipped (length honoured), not refused', () => {
    const header = Buffer.concat([SIG, Buffer.from([0x20, 0x21, 0x00, 0x04, 1, 2, 3, 4])]);
    const outcome = parseEveryWay(Buffer.concat([header, Buffer.from('x')]));
    expect(outcome).toMatchObject({
      ok: true,
      header: { command: 'LOCAL', family: 'IPv6', source: null, byteLength: 20 },
      rest: Buffer.from('x'),
    });
  });

  it('AF_UNSPEC PROXY with TLVs: no addresses, TLVs read', () => {
    const header = Buffer.concat([SIG, Buffer.from([0x21, 0x00, 0x00, 0x05, 0x01, 0x00, 0x02])]);
    const outcome = parseEveryWay(Buffer.concat([header, Buffer.from('h2')]));
    expect(outcome).toMatchObject({ ok: true, header: { family: 'unspec', source: null } });
  });

  it('v1 UNKNOWN ignores whatever precedes the CRLF, up to the 107-byte worst case', () => {
    const worst = `PROXY UNKNOWN ${'ffff:'.repeat(7)}ffff ${'ffff:'.repeat(7)}ffff 65535 65535\r\n`;
    expect(worst.length).toBe(107);
    for (const line of ['PROXY UNKNOWN\r\n', 'PROXY UNKNOWN junk here\r\n', worst]) {
      expect(parseEveryWay(Buffer.from(line))).toMatchObject({
        ok: true,
        header: { version: 1, family: 'unspec', source: null, byteLength: line.length },
      });
    }
  });
});

describe('canonical IPv6 (RFC 5952), as Node reports remoteAddress', () => {
  const cases: [string, string][] = [
    ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['1:0:0:0:0:0:0:0', '1::'],
    ['::ffff:10.0.0.1', '::ffff:10.0.0.1'],
    ['::FFFF:0a00:0001', '::ffff:10.0.0.1'],
    ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
    ['1:0:0:2:0:0:3:4', '1::2:0:0:3:4'],
    ['fe80:0:0:0:1:0:0:0', 'fe80::1:0:0:0'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
  ];
  for (const [input, canonical] of cases) {
    it(`${input} → ${canonical}`, () => {
      const line = Buffer.from(`PROXY TCP6 ${input} ::1 1 2\r\n`);
      expect(parseProxyHeader(line).header.source).toEqual({
        family: 'IPv6',
        host: canonical,
        port: 1,
      });
    });
  }
});
