/**
 * CIDR rules fail closed (issue 12, item 5): anything but an address or address/decimal-prefix
 * in range is an `InvalidOptionError` naming the rule. `Number('')` is 0, so `'10.0.0.1/'`
 * used to become `/0` and admit every client; property tests walk random rule strings.
 */
import { isIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accessControl, InvalidOptionError, type SocketAddress } from '../src/index.js';

const client = (host: string): SocketAddress => ({
  family: isIP(host) === 6 ? 'IPv6' : 'IPv4',
  host,
  port: 1,
});

/** The rule grammar, written independently of the implementation. */
function isCanonicalRule(rule: string): boolean {
  const parts = rule.split('/');
  if (parts.length > 2) return false;
  const [address = '', prefix] = parts;
  const version = address.includes('%') ? 0 : isIP(address);
  if (version === 0) return false;
  if (prefix === undefined) return true;
  return /^(0|[1-9][0-9]*)$/.test(prefix) && Number(prefix) <= (version === 6 ? 128 : 32);
}

/** Rule-shaped strings: an address (or junk) with a prefix made of likely typos. */
const ruleLike = fc
  .tuple(
    fc.oneof(fc.ipV4(), fc.ipV6(), fc.string({ maxLength: 12 })),
    fc.oneof(
      fc.constant(''),
      fc.integer({ min: -5, max: 140 }).map(String),
      fc.constantFrom('0x8', '8.0', ' 8', '8 ', '1e1', '+8', '08', '8/32', '', 'Infinity'),
      fc.string({ maxLength: 6 }),
    ),
    fc.boolean(),
  )
  .map(([address, prefix, withSlash]) => (withSlash ? `${address}/${prefix}` : address));

/** What accessControl does with a rule: 'valid', or the error it threw. */
function outcome(option: 'allow' | 'deny', rule: string): 'valid' | unknown {
  try {
    accessControl({ [option]: [rule] });
    return 'valid';
  } catch (error) {
    return error;
  }
}

describe('accessControl rules', () => {
  it('the reported typos are refused, naming the rule', () => {
    for (const rule of ['10.0.0.1/', 'fd00::/', '10.0.0.0/8/32', '10.0.0.0/0x8', '10.0.0.0/8.0']) {
      for (const option of ['allow', 'deny'] as const) {
        const error = outcome(option, rule);
        expect(error).toBeInstanceOf(InvalidOptionError);
        expect(error).toMatchObject({ code: 'ERR_SOCKSERVE_INVALID_OPTION', option });
        expect((error as Error).message).toContain(JSON.stringify(rule));
      }
    }
    for (const rule of ['10.0.0.0/ 8', '10.0.0.0/1e1', '10.0.0.0/08', 'fe80::1%eth0', '/8', '']) {
      expect(outcome('allow', rule)).toBeInstanceOf(InvalidOptionError);
    }
  });

  it('any rule string is accepted exactly when it is canonical; the rest are InvalidOptionError', () => {
    fc.assert(
      fc.property(fc.oneof(ruleLike, fc.string()), (rule) => {
        const result = outcome('allow', rule);
        if (isCanonicalRule(rule)) expect(result).toBe('valid');
        else {
          expect(result).toBeInstanceOf(InvalidOptionError);
          expect(result).toMatchObject({ option: 'allow', code: 'ERR_SOCKSERVE_INVALID_OPTION' });
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('an accepted IPv4 rule admits exactly the addresses inside its prefix', () => {
    const toInt = (ip: string) => ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 0, max: 32 }), fc.ipV4(), (net, bits, host) => {
        const allowed = accessControl({ allow: [`${net}/${bits}`] })(undefined, client(host));
        const size = 2 ** (32 - bits);
        const inside = Math.floor(toInt(net) / size) === Math.floor(toInt(host) / size);
        expect(allowed).toBe(inside);
      }),
      { numRuns: 1000 },
    );
  });

  it('a refused rule fails the whole list, wherever it stands', () => {
    fc.assert(
      fc.property(fc.array(fc.ipV4(), { maxLength: 4 }), ruleLike, (good, rule) => {
        fc.pre(!isCanonicalRule(rule));
        expect(() => accessControl({ allow: [...good, rule] })).toThrow(InvalidOptionError);
        expect(() => accessControl({ deny: [rule, ...good] })).toThrow(InvalidOptionError);
      }),
      { numRuns: 500 },
    );
  });

  it('rules that are not strings, and lists that are not arrays, are refused', () => {
    expect(() => accessControl({ allow: [8 as unknown as string] })).toThrow(InvalidOptionError);
    expect(() => accessControl({ deny: '10.0.0.0/8' as unknown as string[] })).toThrow(
      expect.objectContaining({ option: 'deny', code: 'ERR_SOCKSERVE_INVALID_OPTION' }),
    );
  });
});
