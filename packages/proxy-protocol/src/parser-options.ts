/**
 * The options of the incremental parser (parser.ts) and what its `push` returns: their types,
 * defaults and checks, apart from the state machine that uses them.
 */
import type { ProxyHeader } from './header.js';
import { V2_MAX_LENGTH } from './header.js';

/** Options of {@link ProxyHeaderParser}. */
export interface ProxyHeaderParserOptions {
  /** The versions to accept; default both. The other one is `version-disabled`. */
  readonly versions?: readonly (1 | 2)[];
  /**
   * The largest v2 header accepted, in bytes (16 + the length field); default 4096, from
   * 232 (room for two Unix paths) to 65551 (the protocol's own maximum).
   */
  readonly maxHeaderBytes?: number;
}

/** What {@link ProxyHeaderParser.push} returns: more bytes needed, or the header and the rest. */
export type ProxyParseResult =
  | { readonly done: false }
  | { readonly done: true; readonly header: ProxyHeader; readonly rest: Buffer };

/** Default cap on a v2 header: far above what HAProxy sends, far below 64 KiB. */
export const DEFAULT_MAX_HEADER_BYTES = 4096;
const MIN_MAX_HEADER_BYTES = 16 + 216;

/** The checked options: which versions are accepted and the v2 header cap. */
export interface ResolvedParserOptions {
  readonly v1: boolean;
  readonly v2: boolean;
  readonly max: number;
}

/** Checks `options` (a `TypeError` or `RangeError` naming the bad one) and fills in defaults. */
export function resolveParserOptions(options: ProxyHeaderParserOptions): ResolvedParserOptions {
  const versions = options.versions ?? [1, 2];
  if (
    !Array.isArray(versions) ||
    versions.length === 0 ||
    versions.some((v) => v !== 1 && v !== 2)
  ) {
    throw new TypeError('option "versions" must be a non-empty array of 1 and/or 2');
  }
  const max = options.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
  if (!Number.isInteger(max) || max < MIN_MAX_HEADER_BYTES || max > V2_MAX_LENGTH) {
    throw new RangeError(
      `option "maxHeaderBytes" must be an integer from ${MIN_MAX_HEADER_BYTES} to ${V2_MAX_LENGTH}; received ${String(max)}`,
    );
  }
  return { v1: versions.includes(1), v2: versions.includes(2), max };
}
