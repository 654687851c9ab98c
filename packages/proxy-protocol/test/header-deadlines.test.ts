/**
 * The shared `headerTimeout` timer (server/header-deadlines.ts): deadlines expire in order,
 * none before its time, a cancelled one never, and the queue empties behind them. Real
 * timers, short timeouts (a period of timeout / 16).
 */
import { expect, it } from 'vitest';
import { DeadlineEntry, HeaderDeadlines } from '../src/server/header-deadlines.js';

/** An entry whose expiry calls `onExpire`. */
class Entry extends DeadlineEntry {
  readonly #onExpire: () => void;
  constructor(onExpire: () => void) {
    super();
    this.#onExpire = onExpire;
  }
  expireDeadline(): void {
    this.#onExpire();
  }
}
const holder = (onExpire: () => void): Entry => new Entry(onExpire);

it('expires each live deadline at its own time, in order, and skips cancelled ones', async () => {
  const timeout = 40;
  const deadlines = new HeaderDeadlines(timeout);
  const fired: Array<{ id: number; after: number }> = [];
  const started: number[] = [];
  const all: Array<Promise<void>> = [];
  const entries = [];
  // All added and the two cancelled in one synchronous run: no timer can fire before the
  // cancels, however loaded the machine. (Spreading the adds over turns of the loop let a
  // stall of ~40 ms at load 30 expire entry 1 before its cancel: a flake.)
  for (let id = 0; id < 6; id++) {
    started.push(performance.now());
    let done!: () => void;
    all.push(new Promise<void>((resolve) => (done = resolve)));
    const entry = holder(() => {
      fired.push({ id, after: performance.now() - (started[id] ?? 0) });
      done();
    });
    deadlines.add(entry);
    entries.push(entry);
    // Spread them out, so each is due at a different time: a millisecond apart, on the CPU.
    const next = performance.now() + 1;
    while (performance.now() < next);
  }
  deadlines.cancel(entries[1]!);
  deadlines.cancel(entries[4]!);
  await Promise.all([all[0], all[2], all[3], all[5]]);
  expect(fired.map(({ id }) => id)).toEqual([0, 2, 3, 5]);
  // Never before its time (1 ms for the timer's rounding); late by at most a period or so.
  for (const { after } of fired) expect(after).toBeGreaterThanOrEqual(timeout - 1);
  expect(deadlines.period).toBe(3);
  expect(deadlines.size).toBe(0);
});

it('cancelling unlinks at once: first, middle and last entries, and size follows', () => {
  const deadlines = new HeaderDeadlines(60_000);
  const entries = [0, 1, 2, 3].map(() => holder(() => {}));
  for (const entry of entries) deadlines.add(entry);
  expect(deadlines.size).toBe(4);
  deadlines.cancel(entries[0]!);
  deadlines.cancel(entries[2]!);
  deadlines.cancel(entries[3]!);
  deadlines.cancel(entries[3]!); // twice: no effect
  expect(deadlines.size).toBe(1);
  deadlines.cancel(entries[1]!);
  expect(deadlines.size).toBe(0);
  // Empty again: a new entry is first and last.
  deadlines.add(entries[2]!);
  expect(deadlines.size).toBe(1);
  deadlines.cancel(entries[2]!);
  expect(deadlines.size).toBe(0);
});

it('a deadline added while the others expire gets its own full timeout', async () => {
  const deadlines = new HeaderDeadlines(30);
  const second = await new Promise<number>((resolve) => {
    deadlines.add(
      holder(() => {
        const addedAt = performance.now();
        deadlines.add(holder(() => resolve(performance.now() - addedAt)));
      }),
    );
  });
  expect(second).toBeGreaterThanOrEqual(29);
  expect(deadlines.size).toBe(0);
});

it('an entry reused after cancelling gets a fresh deadline; its old entry does not fire', async () => {
  const timeout = 30;
  const deadlines = new HeaderDeadlines(timeout);
  let fired = 0;
  let firedAfter = 0;
  let done!: () => void;
  const expired = new Promise<void>((resolve) => (done = resolve));
  const reused = holder(() => {
    fired += 1;
    firedAfter = performance.now() - readdedAt;
    done();
  });
  deadlines.add(reused);
  deadlines.cancel(reused);
  // Later (a turn of the loop), the same holder takes a new deadline.
  await new Promise((resolve) => setTimeout(resolve, 5));
  const readdedAt = performance.now();
  deadlines.add(reused);
  await expired;
  // Its first entry was cancelled: it fired once, a full timeout after its second add.
  expect(fired).toBe(1);
  expect(firedAfter).toBeGreaterThanOrEqual(timeout - 1);
  expect(deadlines.size).toBe(0);
});
