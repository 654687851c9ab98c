/**
 * The handler's attributes reach its `rfile` one by one (issue 11: a handler whose reader
 * settings are all the defaults gets its reader without checking or passing options; every
 * other handler still gets each setting, checked). Each attribute is set alone, so a default
 * test that missed one would fail here.
 */
import { InvalidOptionError } from '@sockserve/core';
import { afterEach, describe, expect, it } from 'vitest';
import { StreamRequestHandler } from '../src/index.js';
import { Loopback, peerAddress } from './helpers.js';

const net = new Loopback();
afterEach(async () => {
  await net.closeAll();
});

const SERVER = { name: 'test server' };

/** The reader a handler of `Handler` makes on a fresh loopback connection. */
async function readerOf(
  Handler: new (
    ...args: ConstructorParameters<typeof StreamRequestHandler>
  ) => StreamRequestHandler,
) {
  const { server } = await net.pair();
  const handler = new Handler(server, peerAddress(server), SERVER);
  return handler.rfile;
}

describe("a handler's reader settings", () => {
  it('all defaults: the reader has the defaults', async () => {
    const reader = await readerOf(StreamRequestHandler);
    expect(reader.timeout).toBeNull();
    expect(reader.idleTimeout).toBeNull();
    expect(reader.firstByteTimeout).toBeNull();
    expect(reader.minReadRate).toBeNull();
    expect(reader.maxLineLength).toBe(65536);
  });

  it.each([
    ['timeout', 30],
    ['idleTimeout', 40],
    ['firstByteTimeout', 50],
    ['minReadRate', { bytesPerSecond: 100, graceMs: 1000 }],
    ['maxLineLength', 8],
  ] as const)('%s set alone reaches the reader', async (name, value) => {
    class OneSetting extends StreamRequestHandler {}
    (OneSetting.prototype as unknown as Record<string, unknown>)[name] = value;
    const reader = await readerOf(OneSetting);
    expect((reader as unknown as Record<string, unknown>)[name]).toEqual(value);
  });

  it('an invalid attribute still fails at first use, with the exact error', async () => {
    class Invalid extends StreamRequestHandler {
      override idleTimeout: number | null = -1;
    }
    const { server } = await net.pair();
    const handler = new Invalid(server, peerAddress(server), SERVER);
    let caught: unknown;
    try {
      void handler.rfile;
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidOptionError);
    expect((caught as InvalidOptionError).code).toBe('ERR_SOCKSERVE_INVALID_OPTION');
    expect((caught as InvalidOptionError).option).toBe('idleTimeout');
  });
});
