/**
 * CRC32C against RFC 3720 appendix B.4's test vectors (the iSCSI CRC, the same Castagnoli
 * polynomial the PROXY v2 CRC32C TLV uses) and against itself split at every point.
 */
import { describe, expect, it } from 'vitest';
import { crc32c, crc32cFinish, crc32cUpdate } from '../src/index.js';

const ascending = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
const descending = Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i));

describe('crc32c', () => {
  it('matches RFC 3720 B.4', () => {
    expect(crc32c(Buffer.alloc(32, 0x00))).toBe(0x8a9136aa);
    expect(crc32c(Buffer.alloc(32, 0xff))).toBe(0x62a8ab43);
    expect(crc32c(ascending)).toBe(0x46dd794e);
    expect(crc32c(descending)).toBe(0x113fdb5c);
  });

  it('is the check value 0xe3069283 for "123456789" and 0 for nothing', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(0))).toBe(0);
  });

  it('gives the same value when computed in pieces', () => {
    for (let cut = 0; cut <= ascending.length; cut++) {
      const state = crc32cUpdate(crc32cUpdate(0xffffffff, ascending, 0, cut), ascending, cut);
      expect(crc32cFinish(state)).toBe(0x46dd794e);
    }
  });
});
