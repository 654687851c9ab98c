/**
 * The runner pool's side of the crash-loop policy, with in-memory fake runners: which jobs a
 * crash is blamed on (those the runner said it had started, or all it held), the client that
 * backs off being refused while others are admitted, and crashes outside any request delaying
 * the pool's next start (no room offered meanwhile, a timer reopens it). Real workers and
 * children crash in the threading and forking packages' tests.
 */
import { describe, expect, it, vi } from 'vitest';
import type { SocketAddress } from '../src/index.js';
import {
  type BackoffNotice,
  type RunnerJob,
  type RunnerPoolOptions,
  WaitingConnectionLostError,
} from '../src/remote/index.js';
import { fakePool } from './fixtures/fake-runner.js';
import { runnerInit } from './fixtures/runner-init.js';

const INIT = runnerInit({ module: 'file:///nowhere.js', export: 'Handler' });

const BAD: SocketAddress = { family: 'IPv4', host: '127.0.0.2', port: 40000 };
const GOOD: SocketAddress = { family: 'IPv4', host: '127.0.0.1', port: 40001 };

function pool(options: Partial<RunnerPoolOptions> = {}) {
  const notices: BackoffNotice[] = [];
  const made = fakePool(
    { min: 1, max: 2, maxPerRunner: 4, crashBackoff: 60_000, ...options },
    { backoff: (notice) => notices.push(notice) },
    INIT,
  );
  return { ...made, notices };
}

/**
 * A started pool of one runner (`max: 1`) whose runners crashed 5 times in a row outside any
 * request; the crash policy's clock (`clock.now`) moves only when the test moves it.
 */
async function idleCrashLoop(crashBackoff: number) {
  const clock = { now: 0 };
  const made = pool({ max: 1, crashBackoff, now: () => clock.now });
  await made.pool.start();
  for (let n = 0; n < 5; n++) made.runners.at(-1)?.exit('exited with code 7', false);
  return { ...made, clock };
}

const job = (clientAddress: SocketAddress): RunnerJob => ({
  clientAddress,
  receive: () => {},
  fail: () => {},
});

describe('RunnerPool: crash loops', () => {
  it('a crash is blamed on the requests its runner said it had started; the others are not', async () => {
    const { pool: p, runners, notices } = pool({ max: 1 });
    await p.start();
    for (let n = 0; n < 5; n++) {
      const runner = runners.at(-1);
      const bad = p.assign(job(BAD));
      p.assign(job(GOOD)); // queued on the same runner, not started there
      runner?.send({ t: 'exiting', running: [bad.id] });
      runner?.exit('exited with code 3', false);
    }
    expect(notices).toEqual([
      { kind: 'client', client: '127.0.0.2', crashes: 5, delayMs: 60_000, refused: 0 },
    ]);
    expect([p.admit(BAD), p.admit(GOOD)]).toEqual([false, true]);
    expect(p.policy.stats).toMatchObject({ crashes: 5, attributed: 5, refused: 1 });
    await p.close();
  });

  it('a runner that died without a word is blamed on every request it held', async () => {
    const { pool: p, runners } = pool({ max: 1 });
    await p.start();
    for (let n = 0; n < 5; n++) {
      const runner = runners.at(-1);
      p.assign(job(BAD));
      p.assign(job(GOOD));
      runner?.exit('crashed: Error: boom', false);
    }
    expect([p.admit(BAD), p.admit(GOOD)]).toEqual([false, false]);
    await p.close();
  });

  it('a runner that died without a word is not blamed on a request waiting there for a slot', async () => {
    const { pool: p, runners } = pool({ max: 1 });
    await p.start();
    const lost: Error[] = [];
    for (let n = 0; n < 5; n++) {
      const runner = runners.at(-1);
      p.assign(job(BAD));
      const waits = p.assign({ ...job(GOOD), fail: (error) => lost.push(error) });
      runner?.send({ t: 'slot-wait', id: waits.id });
      runner?.exit('crashed: Error: boom', false);
    }
    expect([p.admit(BAD), p.admit(GOOD)]).toEqual([false, true]);
    expect(lost.map((e) => (e as WaitingConnectionLostError).code)).toEqual(
      Array(5).fill('ERR_SOCKSERVE_WAITING_CONNECTION_LOST'),
    );
    expect(lost.every((e) => e instanceof WaitingConnectionLostError)).toBe(true);
    await p.close();
  });

  it('a request that took its slot after waiting is blamed again', async () => {
    const { pool: p, runners } = pool({ max: 1 });
    await p.start();
    for (let n = 0; n < 5; n++) {
      const runner = runners.at(-1);
      const waits = p.assign(job(BAD));
      runner?.send({ t: 'slot-wait', id: waits.id });
      runner?.send({ t: 'slot-start', id: waits.id });
      runner?.exit('crashed: Error: boom', false);
    }
    expect(p.admit(BAD)).toBe(false);
    await p.close();
  });

  it('a request that ends on a live runner clears its client', async () => {
    const { pool: p, runners } = pool({ max: 1 });
    await p.start();
    for (let n = 0; n < 4; n++) {
      p.assign(job(BAD));
      runners.at(-1)?.exit('exited with code 3', false);
    }
    p.finished(p.assign(job(BAD)).id);
    p.assign(job(BAD));
    runners.at(-1)?.exit('exited with code 3', false);
    expect(p.admit(BAD)).toBe(true);
    await p.close();
  });

  it('crashes outside any request delay the next start; meanwhile no room is offered', async () => {
    // The pool's timer is real.
    const { pool: p, runners, notices, clock } = await idleCrashLoop(40);
    // Four crashes restarted at once; the fifth waits.
    expect(runners).toHaveLength(5);
    expect(notices).toEqual([{ kind: 'pool', crashes: 5, delayMs: 40, windowMs: 40 }]);
    expect(p.canAssign).toBe(false);
    expect(p.size).toBe(0);
    clock.now = 40;
    // Room again once the delay is over (a runner that finished loading may wake the waiter
    // before the pool's timer does) ...
    await p.waitForSlot();
    expect(p.canAssign).toBe(true);
    // ... and the pool's timer starts the runner the delay held back.
    await vi.waitFor(() => expect(runners).toHaveLength(6), { timeout: 5000, interval: 5 });
    // The timer that reopened the pool restarted `min` runners.
    expect(runners).toHaveLength(6);
    expect(p.size).toBe(1);
    await p.close();
  });

  it('the back-off timer starts no runner past max beside one that announced its exit', async () => {
    // Only the pool's timers are faked: the fake runners' `ready` comes on a microtask.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const { pool: p, runners, notices, clock } = await idleCrashLoop(40);
      clock.now = 40;
      vi.advanceTimersByTime(40);
      expect(runners).toHaveLength(6); // the delayed start; its own window runs to 80
      await p.waitForSlot();
      // The sixth calls process.exit(): it said so, its exit is still on the way.
      runners[5]?.send({ t: 'exiting', running: [] });
      clock.now = 80;
      vi.advanceTimersByTime(40);
      // It still counts against max (as an unreaped child does in Python): nothing starts.
      expect(runners).toHaveLength(6);
      expect(p.size).toBe(1);
      runners[5]?.exit('exited with code 7', false);
      // Its exit frees the slot; its window is over, so the next one starts at once.
      expect(runners).toHaveLength(7);
      expect(p.size).toBe(1);
      expect(notices.at(-1)).toEqual({ kind: 'pool', crashes: 6, delayMs: 0, windowMs: 40 });
      await p.close();
    } finally {
      vi.useRealTimers();
    }
  });
});
