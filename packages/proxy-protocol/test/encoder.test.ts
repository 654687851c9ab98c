/**
 * The encoder: what it writes parses back to the same header (v1 and v2, every family,
 * TLVs, SSL sub-TLVs, CRC32C), it writes canonical addresses, and it refuses what cannot be
 * encoded with a ProxyProtocolError and a reason.
 */
import { describe, expect, it } from 'vitest';
import {
  encodeProxyHeader,
  PP2_TYPE,
  ProxyProtocolError,
  parseProxyHeader,
  sslTlv,
  tlv,
} from '../src/index.js';

const v4 = (host: string, port: number) => ({ family: 'IPv4' as const, host, port });
const v6 = (host: string, port: number) => ({ family: 'IPv6' as const, host, port });
const unix = (path: string) => ({ family: 'unix' as const, path });

describe('encodeProxyHeader v1', () => {
  it('writes the spec example byte for byte', () => {
    const bytes = encodeProxyHeader({
      version: 1,
      family: 'IPv4',
      source: v4('192.168.0.1', 56324),
      destination: v4('192.168.0.11', 443),
    });
    expect(bytes.toString('latin1')).toBe('PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n');
  });

  it('writes IPv6 canonically and UNKNOWN for unspec', () => {
    const bytes = encodeProxyHeader({
      version: 1,
      family: 'IPv6',
      source: v6('2001:DB8:0:0:0:0:0:1', 1),
      destination: v6('0:0:0:0:0:ffff:7f00:1', 65535),
    });
    expect(bytes.toString()).toBe('PROXY TCP6 2001:db8::1 ::ffff:127.0.0.1 1 65535\r\n');
    expect(encodeProxyHeader({ version: 1, family: 'unspec' }).toString()).toBe(
      'PROXY UNKNOWN\r\n',
    );
  });

  it('the longest line (spec 2.1, 104 bytes for TCP6) round-trips', () => {
    const max = 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff';
    const input = {
      version: 1,
      family: 'IPv6',
      source: v6(max, 65535),
      destination: v6(max, 65535),
    } as const;
    const bytes = encodeProxyHeader(input);
    expect(bytes.length).toBe(104);
    expect(parseProxyHeader(bytes).header).toMatchObject({ source: input.source });
  });
});

describe('encodeProxyHeader v2', () => {
  const cases = [
    {
      family: 'IPv4',
      transport: 'stream',
      source: v4('10.1.2.3', 4000),
      destination: v4('10.0.0.1', 80),
    },
    {
      family: 'IPv4',
      transport: 'dgram',
      source: v4('0.0.0.0', 0),
      destination: v4('255.255.255.255', 65535),
    },
    {
      family: 'IPv6',
      transport: 'stream',
      source: v6('2001:db8::7', 1),
      destination: v6('::1', 2),
    },
    { family: 'IPv6', transport: 'dgram', source: v6('fe80::1:2', 53), destination: v6('::', 53) },
    {
      family: 'unix',
      transport: 'stream',
      source: unix('/run/client.sock'),
      destination: unix('/run/app.sock'),
    },
    { family: 'unix', transport: 'dgram', source: unix('\0abstract-name'), destination: unix('') },
    { family: 'unix', transport: 'stream', source: unix('x'.repeat(107)), destination: unix('y') },
  ] as const;
  for (const c of cases) {
    it(`${c.family} over ${c.transport} round-trips`, () => {
      const bytes = encodeProxyHeader({ version: 2, ...c });
      const { header, rest } = parseProxyHeader(bytes);
      expect(rest.length).toBe(0);
      expect(header).toMatchObject({
        version: 2,
        command: 'PROXY',
        ...c,
        byteLength: bytes.length,
      });
    });
  }

  it('LOCAL without addresses is AF_UNSPEC, 16 bytes (what HAProxy sends for checks)', () => {
    const bytes = encodeProxyHeader({ version: 2, command: 'LOCAL', family: 'IPv4' });
    expect(bytes.toString('hex')).toBe('0d0a0d0a000d0a515549540a20000000');
  });

  it('TLVs, SSL sub-TLVs and a CRC32C round-trip; the CRC is verified', () => {
    const tlvs = [
      tlv(PP2_TYPE.ALPN, 'h2'),
      tlv(PP2_TYPE.AUTHORITY, 'exämple.test'),
      tlv(PP2_TYPE.UNIQUE_ID, Buffer.alloc(128, 7)),
      tlv(PP2_TYPE.NOOP, Buffer.alloc(0)),
      tlv(PP2_TYPE.NETNS, 'blue'),
      sslTlv({
        client: 0x07,
        verify: 0,
        version: 'TLSv1.3',
        commonName: 'client.test',
        cipher: 'TLS_AES_128_GCM_SHA256',
        signatureAlgorithm: 'RSA-SHA256',
        keyAlgorithm: 'RSA2048',
        subTlvs: [tlv(0x28, Buffer.from([0x30, 0x82]))],
      }),
      tlv(0xe0, Buffer.from([1, 2, 3])),
      tlv(0xf7, Buffer.alloc(0)),
    ];
    const bytes = encodeProxyHeader({
      version: 2,
      family: 'IPv4',
      source: v4('1.2.3.4', 5),
      destination: v4('6.7.8.9', 10),
      tlvs,
      crc32c: true,
    });
    const { header } = parseProxyHeader(bytes);
    expect(header.tlvs.all.slice(0, -1)).toEqual(tlvs);
    expect(header.tlvs.all.at(-1)!.type).toBe(PP2_TYPE.CRC32C);
    expect(header.tlvs).toMatchObject({
      alpn: Buffer.from('h2'),
      authority: 'exämple.test',
      uniqueId: Buffer.alloc(128, 7),
      netns: 'blue',
      ssl: {
        client: 7,
        verify: 0,
        ssl: true,
        certInConnection: true,
        certInSession: true,
        version: 'TLSv1.3',
        commonName: 'client.test',
        cipher: 'TLS_AES_128_GCM_SHA256',
        signatureAlgorithm: 'RSA-SHA256',
        keyAlgorithm: 'RSA2048',
        clientCertificate: Buffer.from([0x30, 0x82]),
      },
    });
    // A parsed header is valid input: a relay re-encodes it to the same bytes.
    expect(encodeProxyHeader(header)).toEqual(bytes);
  });

  it('a parsed v1 header re-encodes to the same bytes', () => {
    const line = Buffer.from('PROXY TCP6 2001:db8::1 ::1 1 2\r\n');
    expect(encodeProxyHeader(parseProxyHeader(line).header)).toEqual(line);
  });
});

describe('encoder errors', () => {
  const refused: [string, () => unknown, string][] = [
    [
      'a non-IP host',
      () =>
        encodeProxyHeader({
          version: 1,
          family: 'IPv4',
          source: v4('localhost', 1),
          destination: v4('1.2.3.4', 1),
        }),
      'bad-address',
    ],
    [
      'IPv6 host in IPv4',
      () =>
        encodeProxyHeader({
          version: 1,
          family: 'IPv4',
          source: v4('::1', 1),
          destination: v4('1.2.3.4', 1),
        }),
      'bad-address',
    ],
    [
      'port 65536',
      () =>
        encodeProxyHeader({
          version: 1,
          family: 'IPv4',
          source: v4('1.2.3.4', 65536),
          destination: v4('1.2.3.4', 1),
        }),
      'bad-port',
    ],
    [
      'port 1.5',
      () =>
        encodeProxyHeader({
          version: 2,
          family: 'IPv4',
          source: v4('1.2.3.4', 1.5),
          destination: v4('1.2.3.4', 1),
        }),
      'bad-port',
    ],
    [
      'a Unix address in v1',
      () => encodeProxyHeader({ version: 1, family: 'unix' } as never),
      'bad-family',
    ],
    [
      'a 108-byte Unix path',
      () =>
        encodeProxyHeader({
          version: 2,
          family: 'unix',
          source: unix('p'.repeat(108)),
          destination: unix(''),
        }),
      'bad-address',
    ],
    [
      'PROXY without addresses',
      () => encodeProxyHeader({ version: 2, family: 'IPv6' }),
      'bad-address',
    ],
    [
      'mixed families',
      () =>
        encodeProxyHeader({
          version: 2,
          family: 'IPv6',
          source: v4('1.2.3.4', 1),
          destination: v6('::1', 1),
        }),
      'bad-address',
    ],
    [
      'command 2',
      () => encodeProxyHeader({ version: 2, command: 'OTHER' as never, family: 'unspec' }),
      'bad-command',
    ],
    [
      'TLVs over 64 KiB',
      () =>
        encodeProxyHeader({
          version: 2,
          family: 'unspec',
          tlvs: [tlv(0xe0, Buffer.alloc(65000)), tlv(0xe1, Buffer.alloc(600))],
        }),
      'too-long',
    ],
    ['version 3', () => encodeProxyHeader({ version: 3 } as never), 'bad-version'],
  ];
  for (const [name, encode, reason] of refused) {
    it(`${name}: ${reason}`, () => {
      expect(encode).toThrow(ProxyProtocolError);
      expect(() => encode()).toThrow(
        expect.objectContaining({ code: 'ERR_SOCKSERVE_PROXY_HEADER', reason }),
      );
    });
  }
});
