/**
 * PROXY v1, the text line (spec 2.1):
 * `PROXY TCP4|TCP6 <src> <dst> <sport> <dport>\r\n` or `PROXY UNKNOWN[ anything]\r\n`,
 * at most 107 bytes. The byte-level rules (printable ASCII, CRLF only, the length) are
 * enforced while the line arrives, by the parser; this module checks a complete line.
 */
import { ProxyProtocolError } from './errors.js';
import type { ProxyHeader, ProxyInetAddress } from './header.js';
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from './ip.js';

const EMPTY_TLVS = Object.freeze({ all: Object.freeze([]) });
const SPACE = 0x20;

function fieldEquals(line: Uint8Array, start: number, end: number, word: string): boolean {
  if (end - start !== word.length) return false;
  for (let i = 0; i < word.length; i++) if (line[start + i] !== word.charCodeAt(i)) return false;
  return true;
}

function parsePort(line: Uint8Array, start: number, end: number): number {
  const length = end - start;
  if (length < 1 || length > 5 || (length > 1 && line[start] === 0x30)) {
    throw new ProxyProtocolError(
      'bad-port',
      'a port must be 0..65535 without leading zeros',
      start,
    );
  }
  let value = 0;
  for (let i = start; i < end; i++) {
    const c = line[i]!;
    if (c < 0x30 || c > 0x39) throw new ProxyProtocolError('bad-port', 'a port is digits', i);
    value = value * 10 + (c - 0x30);
  }
  if (value > 65535) throw new ProxyProtocolError('bad-port', 'a port is at most 65535', start);
  return value;
}

/**
 * Decodes a complete v1 line, `line[0, end)` without its CRLF (the parser has checked the
 * `PROXY ` prefix, the CRLF, the length and that every byte is printable ASCII).
 */
export function decodeV1(line: Uint8Array, end: number): ProxyHeader {
  const byteLength = end + 2;
  let protoEnd = 6;
  while (protoEnd < end && line[protoEnd] !== SPACE) protoEnd++;
  if (protoEnd === 6) {
    throw new ProxyProtocolError('bad-v1-line', 'fields are separated by exactly one space', 6);
  }
  if (fieldEquals(line, 6, protoEnd, 'UNKNOWN')) {
    // "the receiver must ignore anything presented before the CRLF is found"
    return Object.freeze({
      version: 1,
      command: 'PROXY',
      family: 'unspec',
      transport: 'unspec',
      source: null,
      destination: null,
      tlvs: EMPTY_TLVS,
      byteLength,
    });
  }
  const v6 = fieldEquals(line, 6, protoEnd, 'TCP6');
  if (!v6 && !fieldEquals(line, 6, protoEnd, 'TCP4')) {
    throw new ProxyProtocolError('bad-family', 'the protocol must be TCP4, TCP6 or UNKNOWN', 6);
  }
  // Exactly four more fields, each separated by exactly one space.
  const starts: number[] = [];
  const ends: number[] = [];
  let i = protoEnd;
  while (i < end) {
    if (line[i] !== SPACE || i + 1 >= end || line[i + 1] === SPACE) {
      throw new ProxyProtocolError('bad-v1-line', 'fields are separated by exactly one space', i);
    }
    const s = i + 1;
    let e = s;
    while (e < end && line[e] !== SPACE) e++;
    starts.push(s);
    ends.push(e);
    i = e;
  }
  if (starts.length !== 4) {
    throw new ProxyProtocolError(
      'bad-v1-line',
      `TCP4/TCP6 need 4 fields after the protocol, got ${starts.length}`,
      protoEnd,
    );
  }
  const bytes = new Uint8Array(32);
  const parse = v6 ? parseIPv6 : parseIPv4;
  const size = v6 ? 16 : 4;
  for (let f = 0; f < 2; f++) {
    if (!parse(line, starts[f]!, ends[f]!, bytes, f * size)) {
      throw new ProxyProtocolError(
        'bad-address',
        `${f === 0 ? 'source' : 'destination'} is not a canonical ${v6 ? 'IPv6' : 'IPv4'} address`,
        starts[f]!,
      );
    }
  }
  const sourcePort = parsePort(line, starts[2]!, ends[2]!);
  const destinationPort = parsePort(line, starts[3]!, ends[3]!);
  const family = v6 ? 'IPv6' : 'IPv4';
  const format = v6 ? formatIPv6 : formatIPv4;
  const source: ProxyInetAddress = Object.freeze({
    family,
    host: format(bytes, 0),
    port: sourcePort,
  });
  const destination: ProxyInetAddress = Object.freeze({
    family,
    host: format(bytes, size),
    port: destinationPort,
  });
  return Object.freeze({
    version: 1,
    command: 'PROXY',
    family,
    transport: 'stream',
    source,
    destination,
    tlvs: EMPTY_TLVS,
    byteLength,
  });
}

/** What {@link encodeProxyHeader} needs for a version 1 header: a TCP family and its two addresses, or `unspec` (UNKNOWN). */
export type V1HeaderInput =
  | { readonly family: 'unspec' }
  | {
      readonly family: 'IPv4' | 'IPv6';
      readonly source: { readonly host: string; readonly port: number };
      readonly destination: { readonly host: string; readonly port: number };
    };

/** Canonical text of an IP literal of `family`, or a `bad-address` error. */
export function canonicalHost(host: string, family: 'IPv4' | 'IPv6', bytes?: Uint8Array): string {
  const text = Buffer.from(host, 'latin1');
  const out = bytes ?? new Uint8Array(16);
  if (family === 'IPv4') {
    if (!parseIPv4(text, 0, text.length, out, 0)) {
      throw new ProxyProtocolError('bad-address', `${JSON.stringify(host)} is not an IPv4 address`);
    }
    return formatIPv4(out, 0);
  }
  if (!parseIPv6(text, 0, text.length, out, 0)) {
    throw new ProxyProtocolError('bad-address', `${JSON.stringify(host)} is not an IPv6 address`);
  }
  return formatIPv6(out, 0);
}

/** Checks a port for the encoders. */
export function checkPort(port: number): number {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ProxyProtocolError('bad-port', `port ${port} is not an integer from 0 to 65535`);
  }
  return port;
}

/** Encodes a v1 line (CRLF included); addresses are written in canonical form. */
export function encodeV1(input: V1HeaderInput): Buffer {
  if (input.family === 'unspec') return Buffer.from('PROXY UNKNOWN\r\n', 'latin1');
  if (input.family !== 'IPv4' && input.family !== 'IPv6') {
    throw new ProxyProtocolError(
      'bad-family',
      `v1 carries IPv4, IPv6 or unspec, not ${input.family}`,
    );
  }
  const proto = input.family === 'IPv4' ? 'TCP4' : 'TCP6';
  const src = canonicalHost(input.source.host, input.family);
  const dst = canonicalHost(input.destination.host, input.family);
  const line = `PROXY ${proto} ${src} ${dst} ${checkPort(input.source.port)} ${checkPort(input.destination.port)}\r\n`;
  return Buffer.from(line, 'latin1');
}
