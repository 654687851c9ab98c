/**
 * Encoding a PROXY header, v1 or v2: what a proxy in front of a sockserve server sends, and
 * what tests and benchmarks use to play one. Every encoded header parses back to itself.
 */
import { ProxyProtocolError } from './errors.js';
import type { ProxyHeader } from './header.js';
import { encodeV1, type V1HeaderInput } from './v1.js';
import { encodeV2, type V2HeaderInput } from './v2.js';

/** A header to encode: a version and the fields that version carries. */
export type ProxyHeaderInput =
  | ({ readonly version: 1 } & V1HeaderInput)
  | ({ readonly version: 2 } & V2HeaderInput);

/**
 * Encodes a header. v1: `PROXY TCP4|TCP6 …\r\n` or `PROXY UNKNOWN\r\n` (addresses written
 * canonically). v2: the binary form, with TLVs and, when asked or when a CRC32C TLV is among
 * them, the checksum computed. A parsed {@link ProxyHeader} is valid input (a relay).
 * Throws {@link ProxyProtocolError} (`bad-address`, `bad-port`, `bad-family`, `too-long`, …).
 */
export function encodeProxyHeader(input: ProxyHeaderInput | ProxyHeader): Buffer {
  if (input.version === 1) {
    if (input.family === 'unix') {
      throw new ProxyProtocolError('bad-family', 'v1 cannot carry a Unix address');
    }
    return encodeV1(input as V1HeaderInput);
  }
  if (input.version === 2) return encodeV2(input as V2HeaderInput);
  throw new ProxyProtocolError(
    'bad-version',
    `version ${String((input as { version: unknown }).version)}`,
  );
}
