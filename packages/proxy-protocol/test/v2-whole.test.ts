/**
 * `wholeV2Length`, the parser's one-pass check of a first chunk holding a whole v2 header (its
 * fast path, issue 14). A wrong answer would not show in the fixture tests — the byte loop
 * would parse the header anyway — so it is checked here: the length of every valid whole
 * header, 0 for each single wrong signature byte and for everything the byte loop refuses.
 */
import { expect, it } from 'vitest';
import { encodeProxyHeader, V2_SIGNATURE } from '../src/index.js';
import { wholeV2Length } from '../src/v2-fixed.js';

const max = 16 + 0xffff;
const headers = [
  encodeProxyHeader({
    version: 2,
    family: 'IPv4',
    source: { family: 'IPv4', host: '203.0.113.7', port: 51234 },
    destination: { family: 'IPv4', host: '203.0.113.8', port: 443 },
  }),
  encodeProxyHeader({
    version: 2,
    family: 'IPv6',
    source: { family: 'IPv6', host: '2001:db8::1', port: 80 },
    destination: { family: 'IPv6', host: '2001:db8::2', port: 443 },
    crc32c: true,
  }),
  encodeProxyHeader({ version: 2, command: 'LOCAL', family: 'unspec' }),
];

it('gives the length of a whole valid header, with or without bytes after it', () => {
  for (const header of headers) {
    expect(wholeV2Length(header, true, max)).toBe(header.length);
    const more = Buffer.concat([header, Buffer.from('ping\n')]);
    expect(wholeV2Length(more, true, max)).toBe(header.length);
  }
});

it('gives 0 when any one signature byte differs, when v2 is off, cut short or over the cap', () => {
  const header = headers[0] as Buffer;
  expect(header.subarray(0, 12)).toEqual(V2_SIGNATURE);
  for (let k = 0; k < 12; k++) {
    const bad = Buffer.from(header);
    bad[k] = (bad[k] as number) ^ 0x40;
    expect(wholeV2Length(bad, true, max)).toBe(0);
  }
  expect(wholeV2Length(header, false, max)).toBe(0);
  expect(wholeV2Length(header.subarray(0, header.length - 1), true, max)).toBe(0);
  expect(wholeV2Length(header.subarray(0, 15), true, max)).toBe(0);
  expect(wholeV2Length(header, true, header.length - 1)).toBe(0);
});

it('gives 0 for a bad version, command or family, and a PROXY length short of its addresses', () => {
  const header = headers[0] as Buffer;
  const cases: [number, number][] = [
    [12, 0x31], // version 3
    [12, 0x22], // command 2
    [13, 0x13], // family/transport 0x13
  ];
  for (const [at, value] of cases) {
    const bad = Buffer.from(header);
    bad[at] = value;
    expect(wholeV2Length(bad, true, max)).toBe(0);
  }
  const short = Buffer.from(header);
  short.writeUInt16BE(11, 14);
  expect(wholeV2Length(short, true, max)).toBe(0);
});
