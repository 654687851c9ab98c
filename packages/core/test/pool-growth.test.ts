/**
 * `PoolGrowth` (issue 19): the wait is the median of the pool's measured start-ups (or the
 * `growAfter` given); while a request waits, growth holds until it waited that long, then is
 * due (and `onDue` runs), restarting after each start; after a wait ended, spares hold back
 * until the queue was quiet that long; `0` is always free.
 */
import { PoolGrowth } from '@sockserve/core/remote';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('PoolGrowth', () => {
  it('a wait longer than a timer can take is armed in steps, not as a timer firing every 1 ms', () => {
    let due = 0;
    const growth = new PoolGrowth(3_000_000_000, () => {
      due += 1;
    });
    const arm = vi.spyOn(globalThis, 'setTimeout');
    growth.waiting();
    vi.advanceTimersByTime(50);
    expect([growth.mode, due, arm.mock.calls.length]).toEqual(['hold', 0, 1]);
    // Each step arms the rest; the wait itself is kept.
    vi.advanceTimersByTime(2 ** 31 - 1);
    expect([growth.mode, due, arm.mock.calls.length]).toEqual(['hold', 0, 2]);
    vi.advanceTimersByTime(3_000_000_000 - 2 ** 31 + 1);
    expect([growth.mode, due]).toEqual(['due', 1]);
    growth.close();
    arm.mockRestore();
  });

  it("'startup' waits the median of the last five start-ups it measured", () => {
    const growth = new PoolGrowth('startup', () => {});
    expect(growth.wait).toBe(0);
    for (const ms of [900, 100, 300, 200, 250, 280]) growth.recordStartup(ms);
    // The first (900) fell out: median of 100, 300, 200, 250, 280.
    expect(growth.wait).toBe(250);
  });

  it('a waiting request holds growth until it waited the wait, then it is due and onDue runs', () => {
    let due = 0;
    const growth = new PoolGrowth(100, () => {
      due += 1;
    });
    expect(growth.mode).toBe('free');
    growth.waiting();
    expect(growth.mode).toBe('hold');
    vi.advanceTimersByTime(99);
    expect([growth.mode, due]).toEqual(['hold', 0]);
    vi.advanceTimersByTime(1);
    expect([growth.mode, due]).toEqual(['due', 1]);
    // A start restarts the clock for the request still waiting.
    growth.grew();
    expect(growth.mode).toBe('hold');
    vi.advanceTimersByTime(100);
    expect([growth.mode, due]).toEqual(['due', 2]);
  });

  it('a start-up measured during a wait that moves the median up still ends in a wake-up', () => {
    let due = 0;
    const growth = new PoolGrowth('startup', () => {
      due += 1;
    });
    growth.recordStartup(100);
    growth.waiting();
    growth.recordStartup(300); // median of 100 and 300: 300
    vi.advanceTimersByTime(100);
    expect([growth.mode, due]).toEqual(['hold', 0]);
    vi.advanceTimersByTime(200);
    expect([growth.mode, due]).toEqual(['due', 1]);
  });

  it('after a wait ended, growth holds until the queue was quiet for the wait', () => {
    let due = 0;
    const growth = new PoolGrowth(100, () => {
      due += 1;
    });
    growth.waiting();
    vi.advanceTimersByTime(30);
    growth.served();
    expect(growth.mode).toBe('hold');
    vi.advanceTimersByTime(100);
    expect([growth.mode, due]).toEqual(['free', 1]);
  });

  it('growAfter 0 is always free; a closed pool is never woken', () => {
    const zero = new PoolGrowth(0, () => {});
    zero.waiting();
    expect(zero.mode).toBe('free');
    let due = 0;
    const closed = new PoolGrowth(50, () => {
      due += 1;
    });
    closed.waiting();
    closed.close();
    vi.advanceTimersByTime(500);
    expect(due).toBe(0);
  });
});
