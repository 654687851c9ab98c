/**
 * The shared `headerTimeout` timer (server/header-deadlines.ts): deadlines expire in order,
 * none before its time, a cancelled one never, and the queue empties behind them. Real
 * timers, short timeouts (a period of timeout / 16).
 */
import { expect, it } from 'vitest';
import { HeaderDeadlines } from '../src/server/header-deadlines.js';

it('expires each live deadline at its own time, in order, and skips cancelled ones', async () => {
  const timeout = 40;
  const deadlines = new HeaderDeadlines(timeout);
  const fired: Array<{ id: number; after: number }> = [];
  const started: number[] = [];
  const all: Array<Promise<void>> = [];
  const entries = [];
  for (let id = 0; id < 6; id++) {
    started.push(performance.now());
    let done!: () => void;
    all.push(new Promise<void>((resolve) => (done = resolve)));
    entries.push(
      deadlines.add(() => {
        fired.push({ id, after: performance.now() - (started[id] ?? 0) });
        done();
      }),
    );
    // Spread them out, so each is due at a different time.
    await new Promise((resolve) => setImmediate(resolve));
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

it('a deadline added while the others expire gets its own full timeout', async () => {
  const deadlines = new HeaderDeadlines(30);
  const second = await new Promise<number>((resolve) => {
    deadlines.add(() => {
      const addedAt = performance.now();
      deadlines.add(() => resolve(performance.now() - addedAt));
    });
  });
  expect(second).toBeGreaterThanOrEqual(29);
  expect(deadlines.size).toBe(0);
});
