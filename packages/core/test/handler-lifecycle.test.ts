/**
 * The handler lifecycle the pipeline runs itself (`owned-lifecycle.ts`): `setup`, `handle`,
 * `finish` in Python's order and error paths, under the async strategy, whether the default
 * `finishRequest()` runs (the lifecycle ends the request itself) or an override awaits it
 * (the override sees the handler's error, and the pipeline ends the request after it).
 */
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { AsyncStrategy, BaseRequestHandler, type SocketAddress } from '../src/index.js';
import { LineServer } from './fixtures/line-server.js';
import { useResources } from './fixtures/net.js';

const resources = useResources();

/** What each step saw, in order, per connection. */
const steps: string[] = [];

/** The first line says what fails: "setup", "handle", "handle-sync", "finish", or nothing. */
class ScriptedHandler extends BaseRequestHandler<Socket, LineServer> {
  #word = '';

  override async setup(): Promise<void> {
    const line = await new Promise<string>((resolve) =>
      this.request.once('data', (chunk: Buffer) => resolve(chunk.toString().trim())),
    );
    this.#word = line;
    steps.push(`setup ${line}`);
    if (line === 'setup') throw new Error('setup failed');
  }

  override handle(): Promise<void> {
    steps.push('handle');
    if (this.#word === 'handle-sync') throw new Error('handle-sync failed');
    return this.#word === 'handle' ? Promise.reject(new Error('handle failed')) : Promise.resolve();
  }

  override finish(): void {
    steps.push('finish');
    this.request.write('bye\n');
    if (this.#word === 'finish') throw new Error('finish failed');
  }
}

/** Records what `handleError()` got. */
class RecordingServer extends LineServer {
  readonly errors: string[] = [];
  override handleError(_request: Socket, _address: SocketAddress, error: unknown): void {
    this.errors.push((error as Error).message);
  }
}

/** `finishRequest()` overridden around `super`: it sees the error first, then passes it on. */
class WrappingServer extends RecordingServer {
  readonly seen: string[] = [];
  override async finishRequest(request: Socket, address: SocketAddress): Promise<void> {
    try {
      await super.finishRequest(request, address);
      this.seen.push('ok');
    } catch (error) {
      this.seen.push((error as Error).message);
      throw error;
    }
  }
}

async function run(Server: typeof RecordingServer, word: string) {
  steps.length = 0;
  const server = resources.server(
    await Server.create(ScriptedHandler, { strategy: new AsyncStrategy() }),
  );
  server.serveForever().catch(() => {});
  const result = await resources.exchange(server.serverAddress, `${word}\n`);
  const report = await server.serverClose();
  return { server, result, report };
}

describe.each([
  ['the default finishRequest', RecordingServer],
  ['finishRequest overridden around super', WrappingServer],
])('handler lifecycle under %s', (_label, Server) => {
  it.each([
    ['ok', [], ['setup ok', 'handle', 'finish'], 'ok'],
    ['handle', ['handle failed'], ['setup handle', 'handle', 'finish'], 'handle failed'],
    [
      'handle-sync',
      ['handle-sync failed'],
      ['setup handle-sync', 'handle', 'finish'],
      'handle-sync failed',
    ],
    ['finish', ['finish failed'], ['setup finish', 'handle', 'finish'], 'finish failed'],
    ['setup', ['setup failed'], ['setup setup'], 'setup failed'],
  ])('"%s": handleError gets %j, steps %j', async (word, errors, expectedSteps, seen) => {
    const { server, result, report } = await run(Server, word);
    expect(steps).toEqual(expectedSteps);
    expect(server.errors).toEqual(errors);
    // finish() wrote its goodbye unless setup failed; the connection was closed either way.
    expect(result).toEqual({ data: word === 'setup' ? '' : 'bye\n', error: undefined });
    expect(report).toMatchObject({
      accepted: 1,
      finished: 1,
      failed: errors.length,
      cut: 0,
    });
    if (server instanceof WrappingServer) expect(server.seen).toEqual([seen]);
  });
});
