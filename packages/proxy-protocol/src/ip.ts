/**
 * IP addresses between bytes and the text forms PROXY v1 allows. Parsing is strict (the
 * spec's canonical forms: no leading zeros in IPv4, no zone ids); formatting is canonical
 * (dotted quad; RFC 5952 IPv6, the form Node reports for `remoteAddress`), so a client
 * address from a header compares equal to the same address seen on a socket.
 */

/**
 * Parses a dotted quad with no leading zeros (`10.0.0.1`, not `010.0.0.1`) into `out` at
 * `offset`. Returns false when `text[start, end)` is not exactly that.
 */
export function parseIPv4(
  text: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
  offset: number,
): boolean {
  let part = 0;
  let value = 0;
  let digits = 0;
  let first = 0;
  for (let i = start; i <= end; i++) {
    const c = i === end ? 0x2e : text[i]!;
    if (c === 0x2e) {
      if (digits === 0 || (digits > 1 && first === 0x30) || value > 255 || part > 3) return false;
      out[offset + part] = value;
      part++;
      value = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      if (digits === 0) first = c;
      if (++digits > 3) return false;
      value = value * 10 + (c - 0x30);
    } else {
      return false;
    }
  }
  return part === 4;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/**
 * Parses an IPv6 address in RFC 4291 text form (groups of 1–4 hex digits, upper or lower
 * case, at most one `::`, an optional dotted quad in the last 32 bits; no zone id) into 16
 * bytes of `out` at `offset`. Returns false when `text[start, end)` is not exactly that.
 */
export function parseIPv6(
  text: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
  offset: number,
): boolean {
  const groups: number[] = [];
  let gap = -1; // index in `groups` where `::` stands
  let i = start;
  if (end - start < 2) return false;
  if (text[i] === 0x3a) {
    if (text[i + 1] !== 0x3a) return false;
    gap = 0;
    i += 2;
    if (i === end) return fill(groups, gap, out, offset);
  }
  for (;;) {
    // One group: hex digits, or a dotted quad that must end the address.
    let value = 0;
    let digits = 0;
    let j = i;
    while (j < end && digits <= 4) {
      const h = hexValue(text[j]!);
      if (h < 0) break;
      value = value * 16 + h;
      digits++;
      j++;
    }
    if (j < end && text[j] === 0x2e) {
      if (groups.length > 6) return false;
      const quad = new Uint8Array(4);
      if (!parseIPv4(text, i, end, quad, 0)) return false;
      groups.push((quad[0]! << 8) | quad[1]!, (quad[2]! << 8) | quad[3]!);
      break;
    }
    if (digits === 0 || digits > 4) return false;
    groups.push(value);
    if (groups.length > 8) return false;
    if (j === end) break;
    if (text[j] !== 0x3a) return false;
    j++;
    if (j < end && text[j] === 0x3a) {
      if (gap >= 0) return false;
      gap = groups.length;
      j++;
      if (j === end) break;
    } else if (j === end) {
      return false; // a trailing single ':'
    }
    i = j;
  }
  return fill(groups, gap, out, offset);
}

function fill(groups: number[], gap: number, out: Uint8Array, offset: number): boolean {
  if (gap < 0 ? groups.length !== 8 : groups.length > 7) return false;
  const zeros = 8 - groups.length;
  let g = 0;
  for (let k = 0; k < 8; k++) {
    let v = 0;
    if (gap >= 0 && k >= gap && k < gap + zeros) v = 0;
    else v = groups[g++]!;
    out[offset + 2 * k] = v >> 8;
    out[offset + 2 * k + 1] = v & 0xff;
  }
  return true;
}

/** Slots of the IPv4 text cache (a power of two). */
const V4_SLOTS = 256;
/** The address (as an unsigned 32-bit number) whose text each slot holds. */
const v4Keys = new Float64Array(V4_SLOTS).fill(-1);
const v4Texts: string[] = new Array<string>(V4_SLOTS).fill('');

/**
 * `a.b.c.d` from 4 bytes at `offset`. The texts of recent addresses are kept (a direct-mapped
 * cache of 256): a balancer's own address is in every header it sends, and clients come
 * back, so most headers cost a lookup instead of seven string concatenations (issue 14).
 */
export function formatIPv4(bytes: Uint8Array, offset: number): string {
  const a = bytes[offset]!;
  const b = bytes[offset + 1]!;
  const c = bytes[offset + 2]!;
  const d = bytes[offset + 3]!;
  const key = a * 0x1000000 + ((b << 16) | (c << 8) | d);
  const slot = (a ^ b ^ c ^ (d * 7)) & (V4_SLOTS - 1);
  if (v4Keys[slot] === key) return v4Texts[slot]!;
  const text = `${a}.${b}.${c}.${d}`;
  v4Keys[slot] = key;
  v4Texts[slot] = text;
  return text;
}

/**
 * RFC 5952 text of 16 bytes at `offset`: lower case, no leading zeros, the longest run of two
 * or more zero groups (the first on a tie) as `::`, IPv4-mapped addresses as `::ffff:a.b.c.d`
 * (as Node reports them).
 */
export function formatIPv6(bytes: Uint8Array, offset: number): string {
  const groups: number[] = [];
  for (let k = 0; k < 8; k++)
    groups.push((bytes[offset + 2 * k]! << 8) | bytes[offset + 2 * k + 1]!);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${formatIPv4(bytes, offset + 12)}`;
  }
  let bestStart = -1;
  let bestLength = 1;
  for (let k = 0; k < 8; ) {
    if (groups[k] !== 0) {
      k++;
      continue;
    }
    let e = k;
    while (e < 8 && groups[e] === 0) e++;
    if (e - k > bestLength) {
      bestStart = k;
      bestLength = e - k;
    }
    k = e;
  }
  const hex = (from: number, to: number) =>
    groups
      .slice(from, to)
      .map((g) => g.toString(16))
      .join(':');
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLength, 8)}`;
}
