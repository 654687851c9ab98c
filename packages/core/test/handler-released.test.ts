/**
 * A request's pipeline entry lets go of its handler when the request ends, even while the
 * entry itself is kept — here by a strategy that holds on to every job it ran (a diagnostics
 * or metrics strategy might). The handler, its streams and buffers must then be garbage.
 * Who clears it: the owned lifecycle's end (`owned-lifecycle.ts` `endWith`, the default
 * `finishRequest()`), or the pipeline's end when no lifecycle holds it (`lifecycleHolds`
 * false: a `setup()` that threw at once). Real TCP connections on 127.0.0.1; the handler is
 * watched through a `WeakRef`, and the collector is run (exposed with `--expose-gc` at run
 * time) a bounded number of times, a turn apart — no timer, no sleep.
 */

import type { Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import {
  AsyncStrategy,
  BaseRequestHandler,
  type RequestJob,
  type SocketAddress,
} from '../src/index.js';
import { LineServer } from './fixtures/line-server.js';
import { useResources } from './fixtures/net.js';

setFlagsFromString('--expose-gc');
/** V8's collector, exposed to a new context by the flag just set. */
const collectGarbage = runInNewContext('gc') as () => void;

const resources = useResources();

/** Every handler made in this file, watched without keeping it alive. */
const made: Array<WeakRef<BaseRequestHandler>> = [];

/** Answers `ok` and closes, synchronously (the owned lifecycle ends at once). */
class AnswerAtOnce extends BaseRequestHandler<Socket> {
  constructor(request: Socket, clientAddress: SocketAddress, server: object) {
    super(request, clientAddress, server);
    made.push(new WeakRef(this));
  }

  override handle(): void {
    this.request.end('ok\n');
  }
}

/** The same from an `async handle()` (the owned lifecycle ends from a reaction). */
class AnswerLater extends AnswerAtOnce {
  override async handle(): Promise<void> {
    await Promise.resolve();
    this.request.end('later\n');
  }
}

/** Thrown by {@link FailInSetup}. */
class SetupFailed extends Error {
  readonly code = 'TEST_SETUP_FAILED';
}

/** Throws from `setup()` before returning: no lifecycle holds the handler. */
class FailInSetup extends AnswerAtOnce {
  override setup(): void {
    throw new SetupFailed('setup failed');
  }
}

/** The async strategy, keeping every job (the pipeline's entry) it was given. */
class KeepingStrategy extends AsyncStrategy<Socket> {
  readonly kept: Array<RequestJob<Socket>> = [];

  override run(job: RequestJob<Socket>): Promise<void> {
    this.kept.push(job);
    return super.run(job);
  }
}

/**
 * A server whose `handleError` notes each error's class and code instead of printing it. Not
 * the error itself: until its `stack` is formatted, V8 keeps the frames' receivers — the
 * handler whose `setup()` threw — alive through it.
 */
class NotingServer extends LineServer {
  readonly errors: Array<{ setupFailed: boolean; code: unknown }> = [];

  override handleError(_request: Socket, _clientAddress: SocketAddress, error: unknown): void {
    this.errors.push({
      setupFailed: error instanceof SetupFailed,
      code: (error as { code?: unknown }).code,
    });
  }
}

/** True once the collector freed `ref`'s target; tries a bounded number of times, a turn apart. */
async function collected(ref: WeakRef<object>): Promise<boolean> {
  for (let round = 0; round < 20; round += 1) {
    // A WeakRef's target read in this turn stays alive until the turn ends: a new turn first.
    await new Promise((resolve) => setImmediate(resolve));
    collectGarbage();
    if (ref.deref() === undefined) return true;
  }
  return false;
}

/** Serves one connection with `Handler` under a strategy that keeps its job. */
async function serveOne(Handler: typeof AnswerAtOnce) {
  made.length = 0;
  const strategy = new KeepingStrategy();
  const server = resources.server(await NotingServer.create(Handler, { strategy }));
  void server.serveForever();
  const reply = await resources.exchange(server.serverAddress);
  await expect.poll(() => server.inFlight, { timeout: 10_000 }).toBe(0);
  expect(strategy.kept).toHaveLength(1);
  expect(made).toHaveLength(1);
  return { server, strategy, reply, handler: made[0] as WeakRef<BaseRequestHandler> };
}

describe("a request's entry lets go of its handler at the end", () => {
  it('a synchronous handler run by the default finishRequest() (the owned lifecycle)', async () => {
    const { strategy, reply, handler } = await serveOne(AnswerAtOnce);
    expect(reply).toEqual({ data: 'ok\n', error: undefined });
    expect(await collected(handler)).toBe(true);
    expect(strategy.kept).toHaveLength(1); // the entry itself is still held
  });

  it('an async handler run by the default finishRequest() (the owned lifecycle)', async () => {
    const { strategy, reply, handler } = await serveOne(AnswerLater);
    expect(reply).toEqual({ data: 'later\n', error: undefined });
    expect(await collected(handler)).toBe(true);
    expect(strategy.kept).toHaveLength(1);
  });

  it('a handler whose setup() threw at once (the pipeline end clears it)', async () => {
    const { server, strategy, reply, handler } = await serveOne(FailInSetup);
    expect(reply.data).toBe('');
    expect(server.errors).toEqual([{ setupFailed: true, code: 'TEST_SETUP_FAILED' }]);
    expect(await collected(handler)).toBe(true);
    expect(strategy.kept).toHaveLength(1);
  });
});
