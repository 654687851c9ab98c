/**
 * `idleTimeout` and `firstByteTimeout` of StreamReader (issue 20) over real loopback TCP
 * sockets: a read waiting with nothing buffered ends as at end of stream once the client has
 * been silent that long (published on `sockserve:connection.idle` with a reason); a read in
 * the middle of a request (bytes buffered) is left to `timeout`.
 */
import diagnostics from 'node:diagnostics_channel';
import { InvalidOptionError } from '@sockserve/core';
import { afterEach, describe, expect, it } from 'vitest';
import { ReadTimeoutError, StreamReader } from '../src/index.js';
import { Loopback } from './helpers.js';

const net = new Loopback();
afterEach(() => net.closeAll());

/** Runs `body`, returning what was published on `sockserve:connection.idle` meanwhile. */
async function watchIdle(body: () => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const onIdle = (message: unknown) => seen.push(message);
  diagnostics.subscribe('sockserve:connection.idle', onIdle);
  try {
    await body();
  } finally {
    diagnostics.unsubscribe('sockserve:connection.idle', onIdle);
  }
  return seen;
}

describe('firstByteTimeout', () => {
  it('a client that sends nothing: the waiting readline ends as at EOF, with its reason', async () => {
    const { server } = await net.pair();
    const reader = new StreamReader(server, { firstByteTimeout: 20, idleTimeout: 60_000 });
    const seen = await watchIdle(async () => {
      expect((await reader.readline()).length).toBe(0);
    });
    expect(reader.idleEnded).toBe('first-byte-timeout');
    expect(seen).toEqual([{ request: server, reason: 'first-byte-timeout', timeout: 20 }]);
    // Later reads see the end too, at once.
    expect((await reader.read1()).length).toBe(0);
  });

  it('without firstByteTimeout, idleTimeout bounds the wait for the first byte', async () => {
    const { server } = await net.pair();
    const reader = new StreamReader(server, { idleTimeout: 20 });
    expect((await reader.read(5)).length).toBe(0);
    expect(reader.idleEnded).toBe('idle-timeout');
  });
});

describe('idleTimeout', () => {
  it('ends the wait between requests, after answering the first', async () => {
    const { client, server } = await net.pair();
    const reader = new StreamReader(server, { firstByteTimeout: 60_000, idleTimeout: 20 });
    client.write('first\n');
    expect((await reader.readline()).toString()).toBe('first\n');
    const seen = await watchIdle(async () => {
      expect((await reader.readline()).length).toBe(0);
    });
    expect(seen).toEqual([{ request: server, reason: 'idle-timeout', timeout: 20 }]);
  });

  it('does not cut a request in progress: with bytes buffered only `timeout` applies', async () => {
    const { client, server } = await net.pair();
    // Both timers would start together; the idle one (20) would fire first if it were armed.
    const reader = new StreamReader(server, { idleTimeout: 20, timeout: 150 });
    // One small write arrives as one chunk: after the first line, half a line is buffered.
    client.write('first\nhalf a li');
    expect((await reader.readline()).toString()).toBe('first\n');
    expect(reader.buffered).toBeGreaterThan(0);
    const error = await reader.readline().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ReadTimeoutError);
    expect(error).toMatchObject({ code: 'ERR_SOCKSERVE_READ_TIMEOUT', timeout: 150 });
    expect(reader.idleEnded).toBeUndefined();
  });

  it('a client that keeps sending is never ended', async () => {
    const { client, server } = await net.pair();
    const reader = new StreamReader(server, { idleTimeout: 60_000 });
    for (let n = 0; n < 5; n += 1) {
      client.write(`${n}\n`);
      expect((await reader.readline()).toString()).toBe(`${n}\n`);
    }
    client.end();
    expect((await reader.readline()).length).toBe(0);
    expect(reader.idleEnded).toBeUndefined();
  });

  it('rejects a bad value with InvalidOptionError', () => {
    expect(() => new StreamReader(undefined, { idleTimeout: -1 })).toThrow(InvalidOptionError);
    expect(() => new StreamReader(undefined, { firstByteTimeout: Number.NaN })).toThrow(
      expect.objectContaining({ code: 'ERR_SOCKSERVE_INVALID_OPTION', option: 'firstByteTimeout' }),
    );
  });
});
