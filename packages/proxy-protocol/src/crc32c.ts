/**
 * CRC32C (Castagnoli, polynomial 0x1EDC6F41, reflected 0x82F63B78), the checksum of the v2
 * `PP2_TYPE_CRC32C` TLV (RFC 4960 appendix B; test vectors from RFC 3720 B.4). Table driven,
 * one byte at a time: headers are a few hundred bytes, so slicing-by-8 would not pay off.
 */

const TABLE = buildTable();

function buildTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

/**
 * Continues a CRC32C over `bytes[start, end)`. Start with `state = 0xffffffff`, finish with
 * {@link crc32cFinish}; or call {@link crc32c} for one buffer.
 */
export function crc32cUpdate(state: number, bytes: Uint8Array, start = 0, end = bytes.length) {
  let c = state;
  for (let i = start; i < end; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return c >>> 0;
}

/** Ends a running CRC32C computed with {@link crc32cUpdate}. */
export function crc32cFinish(state: number): number {
  return (state ^ 0xffffffff) >>> 0;
}

/** The CRC32C of `bytes`, as an unsigned 32-bit number. */
export function crc32c(bytes: Uint8Array): number {
  return crc32cFinish(crc32cUpdate(0xffffffff, bytes));
}
