/**
 * The one error this package raises on purpose: a `SockserveError` (`@sockserve/core`) with a
 * stable `code` and a stable `reason`; callers branch on those, never on message text.
 */
import { SockserveError } from '@sockserve/core';

/** The stable code of every {@link ProxyProtocolError}. */
export const PROXY_HEADER_ERROR_CODE = 'ERR_SOCKSERVE_PROXY_HEADER';

/**
 * Why a PROXY header was refused. Stable strings, documented in the README:
 *
 * - `bad-signature`: the first bytes are neither `PROXY ` (v1) nor the v2 signature (an HTTP
 *   request, a TLS ClientHello, `PROXYjunk`, …).
 * - `version-disabled`: a well-formed signature of a version the parser was told not to accept.
 * - `bad-version`: the v2 signature followed by a version other than 2.
 * - `bad-command`: a v2 command other than LOCAL (0) or PROXY (1).
 * - `bad-family`: a v2 family/transport byte outside the spec's table, or a v1 protocol other
 *   than `TCP4`, `TCP6`, `UNKNOWN`.
 * - `bad-v1-line`: a v1 line that is not exactly the spec's grammar (bare LF, lone CR, a
 *   non-ASCII or control byte, double spaces, missing or extra fields).
 * - `bad-address`: a v1 address that is not canonical for its family (leading zeros, IPv4 in
 *   `TCP6`, a zone id, …); a Unix path the encoder cannot fit.
 * - `bad-port`: a v1 port with leading zeros, non-digits or above 65535.
 * - `too-long`: no CRLF in the first 107 bytes (v1), or a v2 header longer than the
 *   parser's `maxHeaderBytes`.
 * - `bad-length`: a v2 length too short for the family's address block.
 * - `bad-tlv`: a TLV that overruns the header, a malformed SSL TLV, a known TLV of the wrong
 *   size, or a known TLV present twice.
 * - `bad-crc`: a CRC32C TLV that does not match the header.
 * - `truncated`: the input ended before the header was complete.
 */
export type ProxyProtocolErrorReason =
  | 'bad-signature'
  | 'version-disabled'
  | 'bad-version'
  | 'bad-command'
  | 'bad-family'
  | 'bad-v1-line'
  | 'bad-address'
  | 'bad-port'
  | 'too-long'
  | 'bad-length'
  | 'bad-tlv'
  | 'bad-crc'
  | 'truncated';

/** Every {@link ProxyProtocolErrorReason}, for validation and documentation. */
export const PROXY_PROTOCOL_ERROR_REASONS: readonly ProxyProtocolErrorReason[] = Object.freeze([
  'bad-signature',
  'version-disabled',
  'bad-version',
  'bad-command',
  'bad-family',
  'bad-v1-line',
  'bad-address',
  'bad-port',
  'too-long',
  'bad-length',
  'bad-tlv',
  'bad-crc',
  'truncated',
]);

/**
 * A PROXY header was malformed, not allowed, or could not be encoded. `code` is always
 * `ERR_SOCKSERVE_PROXY_HEADER`; `reason` says which rule was broken; `offset` is where in the
 * input: the offending byte, or the start of the offending field or TLV (the same whether
 * the input came whole or byte by byte).
 * Python's `socketserver` has no counterpart: it never reads a PROXY header.
 */
export class ProxyProtocolError extends SockserveError {
  /** Stable, documented code; safe to compare against. */
  declare readonly code: typeof PROXY_HEADER_ERROR_CODE;
  /** Which rule the input broke. */
  readonly reason: ProxyProtocolErrorReason;
  /** Offset in the input of the offending byte, field or TLV (0 for encoder errors). */
  readonly offset: number;

  constructor(reason: ProxyProtocolErrorReason, message: string, offset = 0) {
    super(PROXY_HEADER_ERROR_CODE, `invalid PROXY header (${reason}): ${message}`);
    this.reason = reason;
    this.offset = offset;
  }
}
