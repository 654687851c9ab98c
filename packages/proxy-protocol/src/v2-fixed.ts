/**
 * The 16 fixed bytes of a v2 header (signature, version/command, family, length), checked for
 * the incremental parser (parser.ts): byte by byte as they arrive, or in one pass when a
 * stream's first chunk holds the whole header. Both give the same verdict; only the byte
 * loop says where and why a header is refused.
 */
import { ProxyProtocolError } from './errors.js';
import { SIGNATURE } from './header.js';
import { addressBlockSize, familyOf } from './v2.js';

// SIGNATURE's bytes as numbers, read once at load: the one-pass check compares with these
// instead of indexing the Buffer (header.ts holds the only copy of the signature). Same cost as
// literals: `feed` (this check inlined) 351 self instructions a header either way, three pairs
// of `bench/proxy-callgrind.ts --predictable` (session 23).
const [S0, S1, S2, S3, S4, S5, S6, S7, S8, S9, S10, S11] = SIGNATURE;

/**
 * The length of the valid v2 header that `buf` (a stream's first chunk) starts with and
 * holds whole — what every balancer sends — checked in one pass instead of byte by byte
 * through the state machine (issue 14: the byte loop cost ~2,300 instructions a
 * connection); 0 when it does not (v2 not accepted, a v1 header, a header split across
 * chunks, or any byte the checks refuse). On 0 the parser's byte loop reads the chunk from
 * its start, so every error still comes from there, at its own offset.
 */
export function wholeV2Length(buf: Buffer, v2: boolean, max: number): number {
  const n = buf.length;
  if (!v2 || n < 16) return 0;
  // The signature's 12 bytes compared with numbers read from SIGNATURE once, unrolled: the
  // loop over SIGNATURE was ~250 instructions of a header (two bounds-checked loads a byte;
  // issue 14).
  if (
    buf[0] !== S0 ||
    buf[1] !== S1 ||
    buf[2] !== S2 ||
    buf[3] !== S3 ||
    buf[4] !== S4 ||
    buf[5] !== S5 ||
    buf[6] !== S6 ||
    buf[7] !== S7 ||
    buf[8] !== S8 ||
    buf[9] !== S9 ||
    buf[10] !== S10 ||
    buf[11] !== S11
  )
    return 0;
  const versionCommand = buf[12]!;
  if (versionCommand >> 4 !== 2 || (versionCommand & 0x0f) > 1) return 0;
  const family = familyOf(buf[13]!);
  if (family === undefined) return 0;
  const length = (buf[14]! << 8) | buf[15]!;
  const total = 16 + length;
  if (total > n || total > max) return 0;
  if ((versionCommand & 0x0f) !== 0 && length < addressBlockSize(family)) return 0;
  return total;
}

/**
 * Checks byte `pos` (0-14) of the fixed v2 part, `b` its value; throws the
 * {@link ProxyProtocolError} the spec calls for. Byte 15 completes the length: see
 * {@link v2TotalLength}.
 */
export function checkV2FixedByte(pos: number, b: number, v2: boolean): void {
  if (pos < 12) {
    if (b !== SIGNATURE[pos]) {
      throw new ProxyProtocolError('bad-signature', 'not a PROXY v1 or v2 header', pos);
    }
  } else if (pos === 12) {
    if (b >> 4 !== 2) throw new ProxyProtocolError('bad-version', `version ${b >> 4}`, pos);
    if (!v2) throw new ProxyProtocolError('version-disabled', 'PROXY v2 is not accepted', pos);
    if ((b & 0x0f) > 1) throw new ProxyProtocolError('bad-command', `command ${b & 0x0f}`, pos);
  } else if (pos === 13) {
    if (familyOf(b) === undefined) {
      throw new ProxyProtocolError('bad-family', `family/transport 0x${b.toString(16)}`, pos);
    }
  }
}

/**
 * Byte 15 (`b`) of a v2 header whose bytes 12-14 are in `head`: the header's whole length
 * (16 + the length field), checked against the cap `max` and the family's address block.
 */
export function v2TotalLength(head: Buffer, b: number, max: number): number {
  const pos = 15;
  const length = (head[14]! << 8) | b;
  const total = 16 + length;
  if (total > max) {
    throw new ProxyProtocolError(
      'too-long',
      `a ${total}-byte header is over the ${max}-byte cap`,
      pos,
    );
  }
  const block = addressBlockSize(familyOf(head[13]!)!);
  const local = (head[12]! & 0x0f) === 0;
  if (!local && length < block) {
    throw new ProxyProtocolError(
      'bad-length',
      `length ${length} is shorter than the ${block}-byte address block`,
      pos,
    );
  }
  return total;
}
