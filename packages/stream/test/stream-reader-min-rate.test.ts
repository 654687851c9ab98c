/**
 * `minReadRate` of StreamReader (issue 20: slowloris) over real loopback TCP sockets: a read
 * waiting for the rest of a request ends as at end of stream, its partial request dropped,
 * once the client sent less than the rate since the read began waiting (after the grace) —
 * published on `sockserve:connection.idle` with reason `min-rate` and counted; the window
 * spans every wait of one `read(n)`; idle time with nothing buffered is `idleTimeout`'s, not
 * the rate's; a start inherited from the first-bytes hand-over ends an overdue read at once.
 */
import diagnostics from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';
import { InvalidOptionError } from '@sockserve/core';
import { afterEach, describe, expect, it } from 'vitest';
import { readsEndedForRate, StreamReader } from '../src/index.js';
import { isPending, Loopback } from './helpers.js';

const net = new Loopback();
const timers: NodeJS.Timeout[] = [];
afterEach(async () => {
  for (const timer of timers.splice(0)) clearInterval(timer);
  await net.closeAll();
});

/** Runs `body`, returning what was published on `sockserve:connection.idle` meanwhile. */
async function watchIdle(body: () => Promise<void>): Promise<Array<Record<string, unknown>>> {
  const seen: Array<Record<string, unknown>> = [];
  const onIdle = (message: unknown) => seen.push(message as Record<string, unknown>);
  diagnostics.subscribe('sockserve:connection.idle', onIdle);
  try {
    await body();
  } finally {
    diagnostics.unsubscribe('sockserve:connection.idle', onIdle);
  }
  return seen;
}

/** Writes `text` now and every `everyMs` on `socket` (until the test ends). */
function drip(
  socket: { write(text: string): unknown; writable: boolean },
  text: string,
  everyMs: number,
) {
  socket.write(text);
  timers.push(setInterval(() => socket.writable && socket.write(text), everyMs));
}

describe('minReadRate', () => {
  it('a readline trickled a byte every 50 ms (20 B/s < 100 B/s) ends after the grace, partial dropped, published and counted', async () => {
    const { client, server } = await net.pair();
    const reader = new StreamReader(server, {
      minReadRate: { bytesPerSecond: 100, graceMs: 200 },
      idleTimeout: 60_000,
    });
    const endedBefore = readsEndedForRate();
    const started = performance.now();
    const seen = await watchIdle(async () => {
      drip(client, 'a', 50);
      expect((await reader.readline()).length).toBe(0);
    });
    expect(performance.now() - started).toBeGreaterThanOrEqual(200);
    expect(reader.idleEnded).toBe('min-rate');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      request: server,
      reason: 'min-rate',
      timeout: 200,
      bytesPerSecond: 100,
    });
    expect(seen[0]?.['waited']).toBeGreaterThan(200);
    expect(readsEndedForRate()).toBe(endedBefore + 1);
    // Later reads see the end at once.
    expect((await reader.read1()).length).toBe(0);
  });

  it('a client that sends half a line and stops is ended after the grace', async () => {
    const { client, server } = await net.pair();
    const reader = new StreamReader(server, { minReadRate: { bytesPerSecond: 1, graceMs: 100 } });
    client.write('half a li');
    expect((await reader.readline()).length).toBe(0);
    expect(reader.idleEnded).toBe('min-rate');
  });

  it('one read(n) is one window: a client sending a chunk every 60 ms can not restart it', async () => {
    const { client, server } = await net.pair();
    const reader = new StreamReader(server, { minReadRate: { bytesPerSecond: 100, graceMs: 300 } });
    drip(client, 'b', 60);
    // Each chunk ends one wait of read(); were the window per wait, 60 ms < 300 ms would never end it.
    const data = await reader.read(1000);
    expect(data.length).toBeLessThan(1000);
    expect(reader.idleEnded).toBe('min-rate');
  });

  it('a client faster than the rate, in small pieces, gets its line', async () => {
    const { client, server } = await net.pair();
    const reader = new StreamReader(server, {
      minReadRate: { bytesPerSecond: 100, graceMs: 2000 },
    });
    const part = 'y'.repeat(40);
    let sent = 0;
    const timer = setInterval(() => {
      sent += 1;
      client.write(sent < 20 ? part : `${part}\n`);
      if (sent === 20) clearInterval(timer);
    }, 20);
    timers.push(timer);
    expect((await reader.readline()).toString()).toBe(`${part.repeat(20)}\n`);
    expect(reader.idleEnded).toBeUndefined();
  });

  it('waiting with nothing buffered is idling, not a slow request: the rate does not end it', async () => {
    const { client, server } = await net.pair();
    const reader = new StreamReader(server, { minReadRate: { bytesPerSecond: 100, graceMs: 0 } });
    client.write('first\n');
    expect((await reader.readline()).toString()).toBe('first\n');
    const next = reader.readline();
    // Well past a zero grace and a few sweeps: still waiting.
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(await isPending(next)).toBe(true);
    client.write('second\n');
    expect((await next).toString()).toBe('second\n');
    expect(reader.idleEnded).toBeUndefined();
  });

  it('a start inherited from the hand-over: an overdue partial request ends as soon as the read waits', async () => {
    const { client, server } = await net.pair();
    const reader = new StreamReader(server, {
      minReadRate: { bytesPerSecond: 100, graceMs: 1000 },
      firstBytesAt: Date.now() - 10_000,
    });
    client.write('GET / HT');
    const seen = await watchIdle(async () => {
      expect((await reader.readline()).length).toBe(0);
    });
    expect(reader.idleEnded).toBe('min-rate');
    expect(seen[0]?.['waited']).toBeGreaterThanOrEqual(10_000);
  });

  it('an inherited start is forgotten once the client idles with nothing buffered', async () => {
    const { client, server } = await net.pair();
    const reader = new StreamReader(server, {
      minReadRate: { bytesPerSecond: 100, graceMs: 1000 },
      firstBytesAt: Date.now() - 10_000,
    });
    client.write('whole\n');
    expect((await reader.readline()).toString()).toBe('whole\n');
    const next = reader.readline();
    expect(await isPending(next)).toBe(true);
    // A new request's first half starts a fresh window: not overdue.
    client.write('half');
    expect(await isPending(next)).toBe(true);
    client.write(' and rest\n');
    expect((await next).toString()).toBe('half and rest\n');
  });

  it('a read(n) that timed out leaves no window behind: the sweep closes it without ending the reader', async () => {
    const { client, server } = await net.pair();
    const reader = new StreamReader(server, {
      timeout: 100,
      minReadRate: { bytesPerSecond: 100, graceMs: 200 },
    });
    client.write('part');
    const error = await reader.read(100).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'ERR_SOCKSERVE_READ_TIMEOUT' });
    // Past the grace with no bytes and a few sweeps: a stale window would end the reader here.
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(reader.idleEnded).toBeUndefined();
    client.write(' and the rest\n');
    expect((await reader.readline()).toString()).toBe('part and the rest\n');
  });

  it('rejects a rate that is not { bytesPerSecond > 0, graceMs >= 0 }', () => {
    for (const bad of [
      { bytesPerSecond: 0, graceMs: 1 },
      { bytesPerSecond: 10, graceMs: -1 },
      100,
    ]) {
      const error = (() => {
        try {
          new StreamReader(undefined, { minReadRate: bad as never });
        } catch (caught) {
          return caught;
        }
      })();
      expect(error).toBeInstanceOf(InvalidOptionError);
      expect(error).toMatchObject({ code: 'ERR_SOCKSERVE_INVALID_OPTION', option: 'minReadRate' });
    }
  });
});
