/**
 * The crash-loop policy on its own, with a hand-moved clock: which client a crash is blamed
 * on, when it backs off and for how long, the one probe after the window, the rows that reset
 * (a request that survived, `resetAfter` without a crash), and the pool's start limit for
 * crashes no request explains.
 */
import { describe, expect, it } from 'vitest';
import { CRASHES_IN_A_ROW, crashKey, RestartPolicy } from '../src/remote/index.js';

function policy(window = 1000, resetAfter = 10_000) {
  const clock = { now: 0 };
  const p = new RestartPolicy({ window, resetAfter, now: () => clock.now });
  return { p, clock };
}

const BAD = '127.0.0.2';
const GOOD = '127.0.0.1';

describe('RestartPolicy: clients', () => {
  it(`a client blamed for ${CRASHES_IN_A_ROW} crashes in a row is refused for the window, then probes once`, () => {
    const { p, clock } = policy();
    for (let n = 1; n < CRASHES_IN_A_ROW; n++) {
      expect(p.crashed([BAD])).toEqual([]);
      expect(p.admit(BAD)).toBe(true);
    }
    expect(p.crashed([BAD])).toEqual([
      { kind: 'client', client: BAD, crashes: 5, delayMs: 1000, refused: 0 },
    ]);
    expect([p.admit(BAD), p.admit(BAD), p.admit(GOOD)]).toEqual([false, false, true]);
    clock.now = 999;
    expect(p.admit(BAD)).toBe(false);
    clock.now = 1000;
    // One probe at a time after the window.
    expect([p.admit(BAD), p.admit(BAD)]).toEqual([true, false]);
    clock.now = 1010;
    expect(p.crashed([BAD])).toEqual([
      { kind: 'client', client: BAD, crashes: 6, delayMs: 1000, refused: 4 },
    ]);
    expect(p.admit(BAD)).toBe(false);
    clock.now = 2010;
    expect(p.admit(BAD)).toBe(true);
    // The probe ended with its runner alive: the client is cleared.
    p.survived(BAD);
    expect([p.admit(BAD), p.admit(BAD)]).toEqual([true, true]);
    expect(p.backingOff).toBe(0);
    expect(p.stats).toEqual({
      crashes: 6,
      attributed: 6,
      clientBackoffs: 2,
      refused: 5,
      poolBackoffs: 0,
    });
  });

  it('a request that survived, or resetAfter without a crash, ends a row', () => {
    const { p, clock } = policy(1000, 5000);
    for (let n = 0; n < 4; n++) p.crashed([BAD]);
    p.survived(BAD);
    for (let n = 0; n < 4; n++) expect(p.crashed([BAD])).toEqual([]);
    clock.now = 5001;
    expect(p.crashed([BAD])).toEqual([]);
    expect(p.admit(BAD)).toBe(true);
  });

  it('every client of the requests a runner died with is blamed; a good one clears itself', () => {
    const { p } = policy();
    for (let n = 0; n < 4; n++) p.crashed([BAD, GOOD, BAD]);
    p.survived(GOOD);
    const notices = p.crashed([BAD, GOOD]);
    expect(notices.map((n) => n.kind === 'client' && [n.client, n.crashes])).toEqual([[BAD, 5]]);
    expect([p.admit(BAD), p.admit(GOOD)]).toEqual([false, true]);
  });

  it('a probe that ended without a verdict (its runner stopped) lets the next request probe', () => {
    const { p, clock } = policy();
    for (let n = 0; n < 5; n++) p.crashed([BAD]);
    clock.now = 1000;
    expect(p.admit(BAD)).toBe(true);
    expect(p.admit(BAD)).toBe(false);
    p.released(BAD);
    expect(p.admit(BAD)).toBe(true);
  });

  it('window 0: never backs off', () => {
    const { p } = policy(0);
    for (let n = 0; n < 20; n++) expect(p.crashed([BAD])).toEqual([]);
    for (let n = 0; n < 20; n++) expect(p.crashed([])).toEqual([]);
    expect(p.admit(BAD)).toBe(true);
    expect(p.startDelay()).toBe(0);
  });
});

describe('RestartPolicy: crashes no request explains', () => {
  it(`after ${CRASHES_IN_A_ROW} in a row the pool starts at most one runner per window`, () => {
    const { p, clock } = policy();
    for (let n = 1; n < CRASHES_IN_A_ROW; n++) {
      p.started();
      clock.now += 10;
      expect(p.crashed([undefined])).toEqual([]);
      expect(p.startDelay()).toBe(0);
    }
    p.started(); // at 40
    clock.now = 50;
    expect(p.crashed([])).toEqual([{ kind: 'pool', crashes: 5, delayMs: 990, windowMs: 1000 }]);
    expect(p.startDelay()).toBe(990);
    clock.now = 1040;
    expect(p.startDelay()).toBe(0);
    p.started();
    clock.now = 1050;
    expect(p.crashed([])).toEqual([{ kind: 'pool', crashes: 6, delayMs: 990, windowMs: 1000 }]);
    // A crash blamed on a client neither counts nor resets the pool's row.
    expect(p.crashed([BAD])).toEqual([]);
    expect(p.startDelay()).toBe(990);
    // resetAfter without such a crash: starts are free again.
    clock.now = 1050 + 10_001;
    expect(p.startDelay()).toBe(0);
    expect(p.crashed([])).toEqual([]);
    expect(p.stats.poolBackoffs).toBe(2);
  });
});

describe('crashKey', () => {
  it('keys a client as maxConnectionsPerClient does; an unbound Unix-domain client has no key', () => {
    expect(crashKey({ family: 'IPv4', host: '127.0.0.2', port: 5 })).toBe('127.0.0.2');
    expect(crashKey({ family: 'IPv6', host: '::ffff:127.0.0.2', port: 5 })).toBe('127.0.0.2');
    expect(crashKey({ family: 'IPv6', host: '2001:db8::1', port: 5 })).toBe('2001:db8:0:0/64');
    expect(crashKey({ family: 'unix', path: '/tmp/c.sock' })).toBe('unix:/tmp/c.sock');
    expect(crashKey({ family: 'unix', path: '' })).toBeUndefined();
  });
});
