/**
 * A forking child's warm-up request (issue 19): before `ready` it runs one request through its
 * own request path with sockserve's warm-up handler — a subclass of the `StreamRequestHandler`
 * the user's handler extends — and never with the user's handler: the first real request is
 * the first the user's handler sees, in per-request mode and in a pool.
 */
import { exchange } from '@sockserve/conformance';
import type { RunnerInit } from '@sockserve/core/remote/runner';
import { DatagramRequestHandler, StreamRequestHandler } from '@sockserve/stream';
import { describe, expect, it } from 'vitest';
import { runnerInit } from '../../core/test/fixtures/runner-init.ts';
import { plainLocalInit, streamHandlerBase, warmUpHandler } from '../src/warm-up-request.ts';
import { CountingHandler, DatagramPidHandler, KindHandler } from './fixtures/handlers.ts';
import { closeServersAfterEach, serve } from './fixtures/servers.ts';

closeServersAfterEach();

const initFor = (
  handler: { module: string; name: string },
  transportKind: 'stream' | 'datagram' = 'stream',
): RunnerInit =>
  runnerInit(
    { module: handler.module, export: handler.name },
    { server: { serverAddress: { host: '127.0.0.1', port: 1, family: 'IPv4' }, transportKind } },
  );

describe('the warm-up handler', () => {
  it('extends the StreamRequestHandler the handler extends, found by its brand, not the handler', async () => {
    class Mine extends CountingHandler {}
    expect(streamHandlerBase(Mine)).toBe(StreamRequestHandler);
    expect(streamHandlerBase(KindHandler)).toBeUndefined(); // a BaseRequestHandler
    expect(streamHandlerBase(DatagramRequestHandler)).toBeUndefined();
    expect(streamHandlerBase('not a class')).toBeUndefined();
    const Warm = await warmUpHandler(initFor(CountingHandler));
    expect(Object.getPrototypeOf(Warm)).toBe(StreamRequestHandler);
    expect(Warm?.prototype).not.toBeInstanceOf(CountingHandler);
  });

  it('none for a handler that is no StreamRequestHandler, nor for datagrams', async () => {
    expect(await warmUpHandler(initFor(KindHandler))).toBeUndefined();
    expect(await warmUpHandler(initFor(DatagramPidHandler, 'datagram'))).toBeUndefined();
  });
});

describe("the warm-up runner's init", () => {
  it('keeps what a plain local request uses and drops the rest, a field added later too', async () => {
    const Warm = await warmUpHandler(initFor(CountingHandler));
    if (Warm === undefined) throw new Error('no warm-up handler');
    const init = {
      ...initFor(CountingHandler),
      requestTimeout: 5000,
      handlerDefaults: { idleTimeout: 300 },
      upgrade: { module: 'tls-upgrade', export: 'upgrade', options: {} },
      preamble: { module: 'proxy', export: 'read', options: {} },
      aFieldAddedLater: true,
    } as unknown as RunnerInit;
    expect(plainLocalInit(init, Warm)).toEqual({
      handler: Warm,
      server: init.server,
      closeTimeout: 1000,
      requestTimeout: 5000,
      handlerDefaults: { idleTimeout: 300 },
    });
    expect(plainLocalInit(initFor(CountingHandler), Warm)).not.toHaveProperty('handlerDefaults');
  });
});

describe('a forked child never runs its warm-up with the user handler', () => {
  it('per-request: the request is the first its child constructed and set up', async () => {
    const { server } = await serve(CountingHandler, {
      forkingMode: 'per-request',
      minSpareChildren: 1,
    });
    for (let i = 0; i < 2; i += 1) {
      const [constructed, setUp] = (await exchange(server.serverAddress, 'hi\n'))
        .toString()
        .split(' ');
      expect([constructed, setUp]).toEqual(['1', '1']);
    }
  });

  it('pool of one child: its requests count 1, 2', async () => {
    const { server } = await serve(CountingHandler, { maxChildren: 1 });
    const first = (await exchange(server.serverAddress, 'hi\n')).toString().trim().split(' ');
    const second = (await exchange(server.serverAddress, 'hi\n')).toString().trim().split(' ');
    expect(first.slice(0, 2)).toEqual(['1', '1']);
    expect(second).toEqual(['2', '2', first[2]]);
  });
});
