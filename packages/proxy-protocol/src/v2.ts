/**
 * PROXY v2, the binary header (spec 2.2): 12-byte signature, version/command, family/
 * transport, 16-bit length, then the address block and TLVs. The parser checks the 16 fixed
 * bytes as they arrive; this module decodes a complete header and encodes one.
 */
import { crc32cFinish, crc32cUpdate } from './crc32c.js';
import { ProxyProtocolError } from './errors.js';
import {
  PP2_TYPE,
  type ProxyAddress,
  type ProxyCommand,
  type ProxyFamily,
  type ProxyHeader,
  type ProxyTlv,
  type ProxyTransport,
  SIGNATURE,
  V2_MAX_LENGTH,
} from './header.js';
import { formatIPv4, formatIPv6 } from './ip.js';
import { decodeTlvs, encodeTlvs, NO_TLVS } from './tlv.js';
import { canonicalHost, checkPort } from './v1.js';

const UNIX_PATH = 108;

/** Family of a valid family/transport byte, or undefined for the spec's "must be rejected". */
export function familyOf(byte: number): ProxyFamily | undefined {
  switch (byte) {
    case 0x00:
      return 'unspec';
    case 0x11:
    case 0x12:
      return 'IPv4';
    case 0x21:
    case 0x22:
      return 'IPv6';
    case 0x31:
    case 0x32:
      return 'unix';
    default:
      return undefined;
  }
}

/** Size of the address block for a family (spec 2.2: 12, 36, 216; 0 for AF_UNSPEC). */
export function addressBlockSize(family: ProxyFamily): number {
  return family === 'IPv4' ? 12 : family === 'IPv6' ? 36 : family === 'unix' ? 2 * UNIX_PATH : 0;
}

function transportOf(byte: number): ProxyTransport {
  const low = byte & 0x0f;
  return low === 1 ? 'stream' : low === 2 ? 'dgram' : 'unspec';
}

function unixPath(header: Buffer, at: number): string {
  // Abstract names (Linux) start with NUL and run to the end of the field, trailing NULs cut.
  let end = at + UNIX_PATH;
  if (header[at] === 0) {
    while (end > at + 1 && header[end - 1] === 0) end--;
    if (end === at + 1) return '';
    return header.toString('utf8', at, end);
  }
  end = header.indexOf(0, at);
  if (end < 0 || end > at + UNIX_PATH) end = at + UNIX_PATH;
  return header.toString('utf8', at, end);
}

/**
 * Decodes the complete header `input[start, start + 16 + length)`, whose 16 fixed bytes the
 * parser has validated. Verifies the CRC32C when the header carries one.
 */
export function decodeV2(input: Buffer, start: number): ProxyHeader {
  const command: ProxyCommand = (input[start + 12]! & 0x0f) === 0 ? 'LOCAL' : 'PROXY';
  const famByte = input[start + 13]!;
  const family = familyOf(famByte)!;
  const length = (input[start + 14]! << 8) | input[start + 15]!;
  const end = start + 16 + length;
  const block = addressBlockSize(family);
  let source: ProxyAddress | null = null;
  let destination: ProxyAddress | null = null;
  let at = start + 16;
  // A LOCAL header too short for its family's addresses carries none (the spec says to skip
  // `length` bytes whatever the family); a PROXY one was refused by the parser.
  const hasAddresses = block > 0 && length >= block;
  if (hasAddresses) {
    if (family === 'unix') {
      source = Object.freeze({ family, path: unixPath(input, at) });
      destination = Object.freeze({ family, path: unixPath(input, at + UNIX_PATH) });
    } else {
      const inet = family as 'IPv4' | 'IPv6';
      const size = family === 'IPv4' ? 4 : 16;
      const format = family === 'IPv4' ? formatIPv4 : formatIPv6;
      const ports = at + 2 * size;
      // Ports read in place (the header is whole in `input`): `readUInt16BE` was a call V8 did
      // not inline, ~70 instructions each (issue 14).
      source = Object.freeze({
        family: inet,
        host: format(input, at),
        port: (input[ports]! << 8) | input[ports + 1]!,
      });
      destination = inetAddressOf(
        inet,
        format(input, at + size),
        (input[ports + 2]! << 8) | input[ports + 3]!,
      );
    }
    at += block;
  } else if (block > 0) {
    at = end;
  }
  // No call for an empty TLV area: decodeTlvs is large and returns at its first line then, so
  // V8 left it in baseline code for thousands of calls (issue 14: ~170 instructions a header).
  const { tlvs, crcOffset } = at < end ? decodeTlvs(input, at, end, 0) : NO_TLVS;
  if (crcOffset >= 0) {
    let state = crc32cUpdate(0xffffffff, input, start, crcOffset);
    state = crc32cUpdate(state, ZERO4);
    state = crc32cUpdate(state, input, crcOffset + 4, end);
    if (crc32cFinish(state) !== tlvs.crc32c) {
      throw new ProxyProtocolError(
        'bad-crc',
        'the CRC32C TLV does not match the header',
        crcOffset,
      );
    }
  }
  return Object.freeze({
    version: 2,
    command,
    family,
    transport: family === 'unspec' ? 'unspec' : transportOf(famByte),
    source,
    destination,
    tlvs,
    byteLength: 16 + length,
  });
}

const ZERO4 = new Uint8Array(4);

/** The destination of the last header decoded: a balancer sends the same one every time. */
let lastDestination: ProxyAddress | undefined;

/** A frozen IPv4/IPv6 address; the last destination again when it is the same (no new object). */
function inetAddressOf(family: 'IPv4' | 'IPv6', host: string, port: number): ProxyAddress {
  const last = lastDestination;
  if (last !== undefined && last.family === family && last.host === host && last.port === port)
    return last;
  lastDestination = Object.freeze({ family, host, port });
  return lastDestination;
}

/** What {@link encodeProxyHeader} needs for a version 2 header. */
export interface V2HeaderInput {
  /** Default `PROXY`. */
  readonly command?: ProxyCommand;
  readonly family: ProxyFamily;
  /** Default `stream` (`unspec` when the family is). */
  readonly transport?: ProxyTransport;
  /** Required unless the family is `unspec` or the command `LOCAL`. */
  readonly source?: ProxyAddress | null;
  readonly destination?: ProxyAddress | null;
  /** TLVs in wire order. A CRC32C TLV among them is recomputed. */
  readonly tlvs?: readonly ProxyTlv[] | { readonly all: readonly ProxyTlv[] };
  /** Append a CRC32C TLV (spec 2.2.3) when there is none. */
  readonly crc32c?: boolean;
}

function writeAddress(
  out: Buffer,
  at: number,
  address: ProxyAddress | null | undefined,
  family: ProxyFamily,
  which: 'source' | 'destination',
): void {
  if (address == null || address.family !== family) {
    throw new ProxyProtocolError('bad-address', `the ${which} must be a ${family} address`);
  }
  if (address.family === 'unix') {
    const path = Buffer.from(address.path, 'utf8');
    const abstract = path[0] === 0;
    if (path.length > (abstract ? UNIX_PATH : UNIX_PATH - 1)) {
      throw new ProxyProtocolError('bad-address', `the ${which} path is over 107 bytes`);
    }
    out.fill(0, at, at + UNIX_PATH);
    out.set(path, at);
    return;
  }
  const bytes = new Uint8Array(16);
  canonicalHost(address.host, address.family, bytes);
  out.set(bytes.subarray(0, address.family === 'IPv4' ? 4 : 16), at);
}

/** Encodes a v2 header (addresses, TLVs, optional CRC32C). */
export function encodeV2(input: V2HeaderInput): Buffer {
  const command = input.command ?? 'PROXY';
  if (command !== 'PROXY' && command !== 'LOCAL') {
    throw new ProxyProtocolError('bad-command', `command must be PROXY or LOCAL, not ${command}`);
  }
  let family = input.family;
  const transport = input.transport ?? (family === 'unspec' ? 'unspec' : 'stream');
  if (addressBlockSize(family) === 0 && family !== 'unspec') {
    throw new ProxyProtocolError('bad-family', `unknown family ${String(family)}`);
  }
  if (
    (family === 'unspec') !== (transport === 'unspec') ||
    !['stream', 'dgram', 'unspec'].includes(transport)
  ) {
    throw new ProxyProtocolError('bad-family', `family ${family} with transport ${transport}`);
  }
  // A LOCAL header without addresses is sent as AF_UNSPEC (spec 2.2: "should not present any").
  if (command === 'LOCAL' && input.source == null && input.destination == null) family = 'unspec';
  const tlvList = [
    ...(input.tlvs === undefined ? [] : 'all' in input.tlvs ? input.tlvs.all : input.tlvs),
  ];
  const crcIndex = tlvList.findIndex((t) => t.type === PP2_TYPE.CRC32C);
  if (crcIndex >= 0) tlvList[crcIndex] = { type: PP2_TYPE.CRC32C, value: Buffer.alloc(4) };
  else if (input.crc32c) tlvList.push({ type: PP2_TYPE.CRC32C, value: Buffer.alloc(4) });
  const tlvBytes = encodeTlvs(tlvList);
  const block = addressBlockSize(family);
  const length = block + tlvBytes.length;
  if (16 + length > V2_MAX_LENGTH) {
    throw new ProxyProtocolError('too-long', `a v2 header is at most ${V2_MAX_LENGTH} bytes`);
  }
  const out = Buffer.alloc(16 + length);
  SIGNATURE.copy(out, 0);
  out[12] = 0x20 | (command === 'PROXY' ? 1 : 0);
  const high = { unspec: 0, IPv4: 1, IPv6: 2, unix: 3 }[family];
  out[13] = family === 'unspec' ? 0 : (high << 4) | (transport === 'stream' ? 1 : 2);
  out.writeUInt16BE(length, 14);
  if (family !== 'unspec') {
    const size = family === 'IPv4' ? 4 : family === 'IPv6' ? 16 : UNIX_PATH;
    writeAddress(out, 16, input.source, family, 'source');
    writeAddress(out, 16 + size, input.destination, family, 'destination');
    if (family !== 'unix') {
      const s = input.source as { port: number };
      const d = input.destination as { port: number };
      out.writeUInt16BE(checkPort(s.port), 16 + 2 * size);
      out.writeUInt16BE(checkPort(d.port), 16 + 2 * size + 2);
    }
  }
  tlvBytes.copy(out, 16 + block);
  const crcAt = tlvList.findIndex((t) => t.type === PP2_TYPE.CRC32C);
  if (crcAt >= 0) {
    let offset = 16 + block;
    for (let k = 0; k < crcAt; k++) offset += 3 + tlvList[k]!.value.length;
    out.writeUInt32BE(crc32cFinish(crc32cUpdate(0xffffffff, out)), offset + 3);
  }
  return out;
}
