/**
 * A reader's `timeout` and `idleTimeout` deadlines are kept from one waiting read to the next
 * (re-armed with `refresh()`, see reusable-deadline.ts), over real loopback TCP sockets: a
 * persistent connection makes a timer per deadline, not one per read; a deadline still runs
 * from the start of the read that waits; one that passes while no read waits does nothing; a
 * changed `timeout` applies to the next read.
 */
import { createHook } from 'node:async_hooks';
import diagnostics from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { ReadTimeoutError, StreamReader } from '../src/index.js';
import { Loopback } from './helpers.js';

const net = new Loopback();
afterEach(() => net.closeAll());

/** Runs `body`, returning how many `Timeout` resources were made (or re-made) meanwhile. */
async function countTimers(body: () => Promise<void>): Promise<number> {
  let made = 0;
  const hook = createHook({
    init(_id, type) {
      if (type === 'Timeout') made += 1;
    },
  }).enable();
  try {
    await body();
  } finally {
    hook.disable();
  }
  return made;
}

describe('deadlines kept between reads', () => {
  it('200 waiting reads with timeout and idleTimeout make a few timers, not two a read', async () => {
    const { client, server } = await net.pair();
    const reader = new StreamReader(server, { timeout: 60_000, idleTimeout: 60_000 });
    const made = await countTimers(async () => {
      for (let i = 0; i < 200; i++) {
        // The line is sent after the read began: every read waits (and arms both deadlines).
        const line = reader.readline();
        client.write(`request ${i}\n`);
        expect((await line).toString()).toBe(`request ${i}\n`);
      }
    });
    // One a deadline a connection (a setTimeout per waiting read made 400).
    expect(made).toBeLessThan(20);
    reader.close();
  });

  it('a reused idle deadline runs from the start of the read that waits', async () => {
    const { client, server } = await net.pair();
    const reader = new StreamReader(server, { idleTimeout: 50 });
    for (let i = 0; i < 3; i++) {
      const line = reader.readline();
      client.write('x\n');
      expect((await line).toString()).toBe('x\n');
    }
    const seen: unknown[] = [];
    const onIdle = (message: unknown) => seen.push(message);
    diagnostics.subscribe('sockserve:connection.idle', onIdle);
    try {
      const started = performance.now();
      expect((await reader.readline()).length).toBe(0);
      // Timers may fire up to 1 ms early (libuv rounds); never a whole timeout early.
      expect(performance.now() - started).toBeGreaterThanOrEqual(45);
    } finally {
      diagnostics.unsubscribe('sockserve:connection.idle', onIdle);
    }
    expect(reader.idleEnded).toBe('idle-timeout');
    expect(seen).toEqual([{ request: server, reason: 'idle-timeout', timeout: 50 }]);
  });

  it('a deadline that passes while no read waits ends nothing', async () => {
    const { client, server } = await net.pair();
    const reader = new StreamReader(server, { idleTimeout: 20, timeout: 20 });
    const first = reader.readline();
    client.write('first\n');
    expect((await first).toString()).toBe('first\n');
    // The handler works for longer than both deadlines, no read waiting (the work is the
    // scenario, not a wait for an event); meanwhile the client sends its next request.
    client.write('second\n');
    await sleep(80);
    expect((await reader.readline()).toString()).toBe('second\n');
    expect(reader.idleEnded).toBeUndefined();
    const third = reader.readline();
    client.write('third\n');
    expect((await third).toString()).toBe('third\n');
    expect(reader.idleEnded).toBeUndefined();
    reader.close();
  });

  it('a timeout changed between reads bounds the next read', async () => {
    const { client, server } = await net.pair();
    const reader = new StreamReader(server, { timeout: 60_000 });
    const first = reader.readline();
    client.write('first\n');
    expect((await first).toString()).toBe('first\n');
    reader.timeout = 20;
    const error = await reader.readline().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ReadTimeoutError);
    expect((error as ReadTimeoutError).code).toBe('ERR_SOCKSERVE_READ_TIMEOUT');
    expect((error as ReadTimeoutError).message).toBe('no data for 20 ms');
    // Nothing was lost: the next line still arrives whole.
    reader.timeout = null;
    const next = reader.readline();
    client.write('next\n');
    expect((await next).toString()).toBe('next\n');
    reader.close();
  });
});
