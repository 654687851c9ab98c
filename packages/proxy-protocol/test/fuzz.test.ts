/**
 * Fuzzing with fast-check: random bytes, random bytes behind a real signature, and mutated
 * valid headers (captured and generated) never raise anything but a ProxyProtocolError,
 * never read past the cap, give the same outcome however they are split into chunks, and
 * never change a decision because of bytes that come after the header. Every encodable header
 * round-trips.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  encodeProxyHeader,
  type ProxyAddress,
  type ProxyHeaderInput,
  parseProxyHeader,
  tlv,
} from '../src/index.js';
import { CAPTURED } from './fixtures/captured.js';
import { feed, type Outcome } from './helpers/parse-every-way.js';

const MAX = 4096;
const SIG = Buffer.from('0d0a0d0a000d0a515549540a', 'hex');

/** Splits `bytes` at the given cut points (any values; taken modulo the length). */
function split(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => (bytes.length ? c % (bytes.length + 1) : 0)))].sort(
    (a, b) => a - b,
  );
  const chunks: Buffer[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    chunks.push(bytes.subarray(from, p));
    from = p;
  }
  return chunks;
}

/** The invariants every input must satisfy. */
function check(bytes: Buffer, cuts: number[]): Outcome {
  const whole = feed([bytes]);
  expect(feed(split(bytes, cuts))).toEqual(whole);
  if (whole.ok) {
    expect(whole.header.byteLength).toBeLessThanOrEqual(MAX);
    expect(whole.rest).toEqual(bytes.subarray(whole.header.byteLength));
  } else if (whole.reason !== 'truncated') {
    expect(whole.offset).toBeLessThan(Math.max(bytes.length, 1));
    expect(whole.offset).toBeLessThan(MAX);
    // Bytes after the header cannot change the decision.
    expect(feed([Buffer.concat([bytes, Buffer.from('more bytes')])])).toEqual(whole);
  } else {
    expect(whole.offset).toBe(bytes.length);
  }
  return whole;
}

const cuts = fc.array(fc.nat(), { maxLength: 8 });
const bytes = (maxLength: number) => fc.uint8Array({ maxLength }).map((u) => Buffer.from(u));
const prefixed = fc
  .tuple(
    fc.constantFrom(Buffer.from('PROXY '), SIG, Buffer.concat([SIG, Buffer.from([0x21])])),
    bytes(300),
  )
  .map(([p, rest]) => Buffer.concat([p, rest]));

const valid = CAPTURED.map((c) => Buffer.from(c.hex, 'hex'));
const mutation = fc.oneof(
  fc.record({
    kind: fc.constant('flip' as const),
    at: fc.nat(),
    bit: fc.integer({ min: 0, max: 7 }),
  }),
  fc.record({
    kind: fc.constant('set' as const),
    at: fc.nat(),
    value: fc.integer({ min: 0, max: 255 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    value: fc.integer({ min: 0, max: 255 }),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

/** One edit of a header: flip a bit, set, delete or insert a byte, or cut the rest. */
interface Mutation {
  readonly kind: string;
  readonly at: number;
  readonly bit?: number;
  readonly value?: number;
}

function mutate(input: Buffer, steps: readonly Mutation[]): Buffer {
  let out = Buffer.from(input);
  for (const step of steps) {
    const at = out.length ? step.at % out.length : 0;
    if (step.kind === 'flip' && out.length) out[at] = out[at]! ^ (1 << step.bit!);
    if (step.kind === 'set' && out.length) out[at] = step.value!;
    if (step.kind === 'delete') out = Buffer.concat([out.subarray(0, at), out.subarray(at + 1)]);
    if (step.kind === 'insert') {
      out = Buffer.concat([out.subarray(0, at), Buffer.from([step.value!]), out.subarray(at)]);
    }
    if (step.kind === 'truncate') out = out.subarray(0, at);
  }
  return out;
}

const ipv4 = fc.ipV4();
const ipv6 = fc.ipV6();
const port = fc.integer({ min: 0, max: 65535 });
const inet = (family: 'IPv4' | 'IPv6') =>
  fc.record({ family: fc.constant(family), host: family === 'IPv4' ? ipv4 : ipv6, port });
const unixPath = fc.string({ maxLength: 100 }).filter((s) => !s.includes('\0'));
const headerInput: fc.Arbitrary<ProxyHeaderInput> = fc.oneof(
  fc.constantFrom('IPv4', 'IPv6').chain((family) =>
    fc.record({
      version: fc.constant(1 as const),
      family: fc.constant(family),
      source: inet(family),
      destination: inet(family),
    }),
  ),
  fc.constantFrom('IPv4', 'IPv6', 'unix', 'unspec').chain((family) => {
    const address: fc.Arbitrary<ProxyAddress | null> =
      family === 'unix'
        ? unixPath.map((path) => ({ family: 'unix' as const, path }))
        : family === 'unspec'
          ? fc.constant(null)
          : inet(family);
    return fc.record({
      version: fc.constant(2 as const),
      command:
        family === 'unspec'
          ? fc.constantFrom('PROXY' as const, 'LOCAL' as const)
          : fc.constant('PROXY' as const),
      family: fc.constant(family),
      transport:
        family === 'unspec'
          ? fc.constant('unspec' as const)
          : fc.constantFrom('stream' as const, 'dgram' as const),
      source: address,
      destination: address,
      tlvs: fc.array(
        fc
          .tuple(fc.constantFrom(0x04, 0xe0, 0xe5, 0xf0, 0xff), fc.uint8Array({ maxLength: 40 }))
          .map(([t, v]) => tlv(t, v)),
        { maxLength: 4 },
      ),
      crc32c: fc.boolean(),
    });
  }),
);

describe('fuzzing the parser', () => {
  it('random bytes', () => {
    fc.assert(
      fc.property(bytes(400), cuts, (input, c) => void check(input, c)),
      { numRuns: 1000 },
    );
  });

  it('random bytes behind a real signature', () => {
    fc.assert(
      fc.property(prefixed, cuts, (input, c) => void check(input, c)),
      { numRuns: 1000 },
    );
  });

  it('mutated captured headers', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...valid),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        cuts,
        (input, steps, c) => void check(mutate(input, steps), c),
      ),
      { numRuns: 2000 },
    );
  });

  it('mutated generated headers', () => {
    fc.assert(
      fc.property(
        headerInput,
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        cuts,
        (input, steps, c) => void check(mutate(encodeProxyHeader(input), steps), c),
      ),
      { numRuns: 1000 },
    );
  });

  it('a megabyte of garbage after a valid signature is refused within the caps', () => {
    const mega = Buffer.alloc(1 << 20, 0x61);
    expect(feed([Buffer.concat([Buffer.from('PROXY '), mega])])).toEqual({
      ok: false,
      reason: 'too-long',
      offset: 106,
    });
    const v2 = Buffer.concat([SIG, Buffer.from([0x21, 0x00, 0x0f, 0xf0]), mega]);
    const outcome = feed([v2]);
    expect(outcome).toMatchObject({ ok: false, reason: 'bad-tlv' });
    expect((outcome as { offset: number }).offset).toBeLessThan(MAX);
  });
});

describe('fuzzing the encoder', () => {
  it('every encodable header parses back to itself, with its bytes in any chunks', () => {
    fc.assert(
      fc.property(headerInput, cuts, (input, c) => {
        const encoded = encodeProxyHeader(input);
        const outcome = check(encoded, c);
        if (!outcome.ok) throw new Error(`${outcome.reason} at ${outcome.offset}`);
        const { header } = parseProxyHeader(encoded);
        expect(encodeProxyHeader(header)).toEqual(encoded);
        if (input.family !== 'unspec') {
          expect(header.source && 'port' in header.source && header.source.port).toBe(
            'source' in input && input.source && 'port' in input.source ? input.source.port : false,
          );
        }
      }),
      { numRuns: 1000 },
    );
  });
});
