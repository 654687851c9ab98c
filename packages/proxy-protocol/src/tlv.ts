/**
 * v2 TLVs (spec 2.2): `type` (1 byte), `length` (2 bytes, big endian), `value`. Every TLV is
 * kept raw in wire order; the registered ones are also decoded. Strict: a TLV that overruns
 * the header, a registered TLV of the wrong size, or one present twice is `bad-tlv`.
 */
import { isUtf8 } from 'node:buffer';
import { ProxyProtocolError } from './errors.js';
import {
  PP2_CLIENT,
  PP2_SUBTYPE_SSL,
  PP2_TYPE,
  type ProxySslInfo,
  type ProxyTlv,
  type ProxyTlvs,
} from './header.js';

/** Where the CRC32C value sits in the header, when there is one. */
export interface DecodedTlvs {
  readonly tlvs: ProxyTlvs;
  /** Offset of the CRC32C TLV's 4-byte value in the header, or -1. */
  readonly crcOffset: number;
}

function text(value: Buffer, offset: number, what: string): string {
  if (!isUtf8(value)) throw new ProxyProtocolError('bad-tlv', `${what} is not valid UTF-8`, offset);
  return value.toString('utf8');
}

/**
 * Splits `bytes[start, end)` into TLVs whose values are views of `bytes`; `base` is the
 * offset of `bytes[0]` in the input.
 */
function split(bytes: Buffer, start: number, end: number, base: number, what: string): ProxyTlv[] {
  const out: ProxyTlv[] = [];
  let i = start;
  while (i < end) {
    if (end - i < 3) {
      throw new ProxyProtocolError(
        'bad-tlv',
        `${what} ends inside a TLV's type and length`,
        base + i,
      );
    }
    const type = bytes[i]!;
    const length = (bytes[i + 1]! << 8) | bytes[i + 2]!;
    if (i + 3 + length > end) {
      throw new ProxyProtocolError(
        'bad-tlv',
        `${what} TLV 0x${type.toString(16)} of ${length} bytes overruns the header`,
        base + i,
      );
    }
    out.push(Object.freeze({ type, value: bytes.subarray(i + 3, i + 3 + length) }));
    i += 3 + length;
  }
  return out;
}

/** Field names of the SSL sub-TLVs, indexed by sub-type minus `PP2_SUBTYPE_SSL.VERSION`. */
const SSL_NAMES: readonly (string | undefined)[] = [
  'version', // 0x21
  'commonName', // 0x22
  'cipher', // 0x23
  'signatureAlgorithm', // 0x24
  'keyAlgorithm', // 0x25
  'group', // 0x26
  'signatureScheme', // 0x27
  'clientCertificate', // 0x28
];

function decodeSsl(value: Buffer, offset: number): ProxySslInfo {
  if (value.length < 5) {
    throw new ProxyProtocolError(
      'bad-tlv',
      'the SSL TLV is shorter than its 5 fixed bytes',
      offset,
    );
  }
  const client = value[0]!;
  const subTlvs = split(value, 5, value.length, offset + 3, 'the SSL TLV');
  const info: Record<string, unknown> = {
    client,
    verify: value.readUInt32BE(1),
    ssl: (client & PP2_CLIENT.SSL) !== 0,
    certInConnection: (client & PP2_CLIENT.CERT_CONN) !== 0,
    certInSession: (client & PP2_CLIENT.CERT_SESS) !== 0,
    subTlvs: Object.freeze(subTlvs),
  };

  for (const sub of subTlvs) {
    const name = SSL_NAMES[sub.type - PP2_SUBTYPE_SSL.VERSION];
    if (name === undefined) continue;
    if (info[name] !== undefined) {
      throw new ProxyProtocolError('bad-tlv', `SSL sub-TLV ${name} appears twice`, offset);
    }
    info[name] =
      sub.type === PP2_SUBTYPE_SSL.CLIENT_CERT ? sub.value : text(sub.value, offset, `SSL ${name}`);
  }
  return Object.freeze(info) as unknown as ProxySslInfo;
}

/**
 * What {@link decodeTlvs} gives for an empty TLV area (most headers: addresses only), shared by
 * every such header; frozen all the way down.
 */
export const NO_TLVS: DecodedTlvs = Object.freeze({
  tlvs: Object.freeze({ all: Object.freeze([]) }) as ProxyTlvs,
  crcOffset: -1,
});

/**
 * Decodes the TLVs in `header[start, end)`; `base` is the header's offset in the input (for
 * error offsets).
 */
export function decodeTlvs(header: Buffer, start: number, end: number, base: number): DecodedTlvs {
  if (start >= end) return NO_TLVS;
  // One copy of the TLV area, so the values do not keep the connection's read buffer alive.
  const area = Buffer.from(header.subarray(start, end));
  const all = split(area, 0, area.length, base + start, 'the header');
  const out: Record<string, unknown> = { all: Object.freeze(all) };
  let crcOffset = -1;
  let at = start;
  const seen = new Set<number>();
  for (const tlv of all) {
    const offset = base + at;
    at += 3 + tlv.value.length;
    const { type, value } = tlv;
    if (type !== PP2_TYPE.NOOP && type in KNOWN) {
      if (seen.has(type)) {
        throw new ProxyProtocolError('bad-tlv', `TLV ${KNOWN[type]} appears twice`, offset);
      }
      seen.add(type);
    }
    switch (type) {
      case PP2_TYPE.ALPN:
        out.alpn = value;
        break;
      case PP2_TYPE.AUTHORITY:
        out.authority = text(value, offset, 'the authority');
        break;
      case PP2_TYPE.CRC32C:
        if (value.length !== 4) {
          throw new ProxyProtocolError('bad-tlv', 'the CRC32C TLV is not 4 bytes', offset);
        }
        out.crc32c = value.readUInt32BE(0);
        crcOffset = at - 4;
        break;
      case PP2_TYPE.UNIQUE_ID:
        if (value.length > 128) {
          throw new ProxyProtocolError('bad-tlv', 'the unique ID is over 128 bytes', offset);
        }
        out.uniqueId = value;
        break;
      case PP2_TYPE.SSL:
        out.ssl = decodeSsl(value, offset);
        break;
      case PP2_TYPE.NETNS:
        out.netns = text(value, offset, 'the namespace name');
        break;
    }
  }
  return { tlvs: Object.freeze(out) as unknown as ProxyTlvs, crcOffset };
}

const KNOWN: Record<number, string> = {
  [PP2_TYPE.ALPN]: 'ALPN',
  [PP2_TYPE.AUTHORITY]: 'AUTHORITY',
  [PP2_TYPE.CRC32C]: 'CRC32C',
  [PP2_TYPE.UNIQUE_ID]: 'UNIQUE_ID',
  [PP2_TYPE.SSL]: 'SSL',
  [PP2_TYPE.NETNS]: 'NETNS',
};

/** The fields of an SSL TLV to encode with {@link sslTlv}. */
export interface SslTlvInput {
  readonly client: number;
  readonly verify?: number;
  readonly version?: string;
  readonly commonName?: string;
  readonly cipher?: string;
  readonly signatureAlgorithm?: string;
  readonly keyAlgorithm?: string;
  /** Further sub-TLVs, appended raw. */
  readonly subTlvs?: readonly ProxyTlv[];
}

/** Builds one TLV from a type and a value (a string is UTF-8). */
export function tlv(type: number, value: string | Uint8Array): ProxyTlv {
  return Object.freeze({
    type,
    value: typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value),
  });
}

/** Builds a `PP2_TYPE_SSL` TLV with its sub-TLVs. */
export function sslTlv(input: SslTlvInput): ProxyTlv {
  const subs: ProxyTlv[] = [];
  const add = (type: number, value: string | undefined) => {
    if (value !== undefined) subs.push(tlv(type, value));
  };
  add(PP2_SUBTYPE_SSL.VERSION, input.version);
  add(PP2_SUBTYPE_SSL.CN, input.commonName);
  add(PP2_SUBTYPE_SSL.CIPHER, input.cipher);
  add(PP2_SUBTYPE_SSL.SIG_ALG, input.signatureAlgorithm);
  add(PP2_SUBTYPE_SSL.KEY_ALG, input.keyAlgorithm);
  subs.push(...(input.subTlvs ?? []));
  const fixed = Buffer.alloc(5);
  fixed[0] = input.client;
  fixed.writeUInt32BE(input.verify ?? 0, 1);
  return Object.freeze({ type: PP2_TYPE.SSL, value: Buffer.concat([fixed, encodeTlvs(subs)]) });
}

/** Serialises TLVs (type, 16-bit length, value) back to back. */
export function encodeTlvs(tlvs: readonly ProxyTlv[]): Buffer {
  const size = tlvs.reduce((n, t) => n + 3 + t.value.length, 0);
  const out = Buffer.allocUnsafe(size);
  let i = 0;
  for (const t of tlvs) {
    if (t.value.length > 0xffff) {
      throw new ProxyProtocolError('too-long', `TLV 0x${t.type.toString(16)} is over 65535 bytes`);
    }
    out[i] = t.type;
    out.writeUInt16BE(t.value.length, i + 1);
    out.set(t.value, i + 3);
    i += 3 + t.value.length;
  }
  return out;
}
