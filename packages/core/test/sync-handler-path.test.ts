/**
 * A handler whose `setup`, `handle` and `finish` return nothing, run by the default
 * `finishRequest()`: the pipeline owns the request before `setup()` runs, so the three steps
 * and the request's end follow each other in one synchronous turn — no promise between them
 * (a microtask queued in `setup()` runs after `finish()`). With `finishRequest()` overridden
 * around `super` the lifecycle stays the plain one (the override sees the outcome first), and
 * the error paths are Python's either way.
 */
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  AsyncStrategy,
  BaseRequestHandler,
  type ConcurrencyStrategy,
  SequentialStrategy,
  type SocketAddress,
} from '../src/index.js';
import { LineServer } from './fixtures/line-server.js';
import { useResources } from './fixtures/net.js';

const resources = useResources();

/** What each step saw, in order. */
const steps: string[] = [];
/** "handle" makes `handle()` throw, "finish" makes `finish()` throw. */
let failIn = '';

class SyncHandler extends BaseRequestHandler<Socket, LineServer> {
  override setup(): void {
    steps.push('setup');
    queueMicrotask(() => steps.push('microtask'));
  }

  override handle(): void {
    steps.push('handle');
    this.request.write('bye\n');
    if (failIn === 'handle') throw new Error('handle failed');
  }

  override finish(): void {
    steps.push('finish');
    if (failIn === 'finish') throw new Error('finish failed');
  }
}

/** Records what `handleError()` got, and when. */
class RecordingServer extends LineServer {
  readonly errors: string[] = [];
  override handleError(_request: Socket, _address: SocketAddress, error: unknown): void {
    steps.push('handleError');
    this.errors.push((error as Error).message);
  }
}

/** `finishRequest()` overridden around `super`: the request is not owned up front. */
class WrappingServer extends RecordingServer {
  override async finishRequest(request: Socket, address: SocketAddress): Promise<void> {
    await super.finishRequest(request, address);
  }
}

async function run(Server: typeof RecordingServer, strategy: ConcurrencyStrategy, fail: string) {
  steps.length = 0;
  failIn = fail;
  const server = resources.server(await Server.create(SyncHandler, { strategy }));
  server.serveForever().catch(() => {});
  const result = await resources.exchange(server.serverAddress, 'hello\n');
  const report = await server.serverClose();
  return { server, result, report };
}

describe.each([
  ['async', () => new AsyncStrategy()],
  ['sequential', () => new SequentialStrategy()],
])('a synchronous handler under the %s strategy', (_label, strategy) => {
  it('runs setup, handle, finish and ends the request in one turn with the default finishRequest', async () => {
    const { server, result, report } = await run(RecordingServer, strategy(), '');
    expect(steps).toEqual(['setup', 'handle', 'finish', 'microtask']);
    expect(server.errors).toEqual([]);
    expect(result).toEqual({ data: 'bye\n', error: undefined });
    expect(report).toMatchObject({ accepted: 1, finished: 1, failed: 0, cut: 0 });
  });

  it('keeps the plain lifecycle (a turn before finish) when finishRequest is overridden', async () => {
    const { result, report } = await run(WrappingServer, strategy(), '');
    expect(steps).toEqual(['setup', 'handle', 'microtask', 'finish']);
    expect(result).toEqual({ data: 'bye\n', error: undefined });
    expect(report).toMatchObject({ accepted: 1, finished: 1, failed: 0, cut: 0 });
  });

  it.each([
    ['handle', 'the default finishRequest', RecordingServer],
    ['finish', 'the default finishRequest', RecordingServer],
    ['handle', 'an override around super', WrappingServer],
    ['finish', 'an override around super', WrappingServer],
  ])(
    'a throwing %s under %s: finish still runs, handleError gets the error',
    async (fail, _l, Server) => {
      const { server, result, report } = await run(Server, strategy(), fail);
      expect(steps.filter((step) => step !== 'microtask')).toEqual([
        'setup',
        'handle',
        'finish',
        'handleError',
      ]);
      expect(server.errors).toEqual([`${fail} failed`]);
      expect(result).toEqual({ data: 'bye\n', error: undefined });
      expect(report).toMatchObject({ accepted: 1, finished: 1, failed: 1, cut: 0 });
    },
  );
});
