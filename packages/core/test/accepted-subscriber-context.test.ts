/**
 * What a `sockserve:connection.accepted` subscriber runs in (`diagnostics.ts`): the listener's
 * accept, in the async context the server was bound in (where `create()` ran) — not the one
 * `serveForever()` was called in, nor the client's — and, on Node 24 on (`sharedRequestScope`
 * left on), marked as one of the server's requests, as the handlers it serves are: a
 * `shutdown()` called from it then resolves at once, as from a handler, instead of waiting for
 * the serve loop. Real TCP on 127.0.0.1.
 */
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { BaseRequestHandler, channels, type SocketAddress } from '../src/index.js';
import { LineServer } from './fixtures/line-server.js';
import { useResources } from './fixtures/net.js';
import { FRAMES, StoreHandler, user } from './fixtures/request-scope.js';

const resources = useResources();

/** Subscribes `fn` to `connection.accepted` for `server`'s own connections, until the test ends. */
function onAccepted(server: LineServer, fn: () => void): void {
  const { port } = server.serverAddress as SocketAddress & { port: number };
  const subscriber = (message: unknown) => {
    const { address } = message as { address?: { port?: number } };
    if (address?.port === port) fn();
  };
  channels.accepted.subscribe(subscriber);
  resources.defer(() => channels.accepted.unsubscribe(subscriber));
}

describe('a connection.accepted subscriber', () => {
  it('runs in the context the server was bound in, not the loop’s or the client’s', async () => {
    const server = resources.server(
      await user.run('binding', () => LineServer.create(StoreHandler)),
    );
    void user.run('serving', () => server.serveForever());
    const seen: Array<string | undefined> = [];
    onAccepted(server, () => seen.push(user.getStore()));
    const answer = await user.run('client', () => resources.exchange(server.serverAddress));
    expect(answer.data).toBe('serving/serving');
    expect(seen).toEqual(['binding']);
  });

  it.runIf(FRAMES)(
    'runs marked as the server’s request: a shutdown() from it does not wait for the loop',
    async () => {
      let release = () => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      let entered = () => {};
      const inHandler = new Promise<void>((resolve) => {
        entered = resolve;
      });
      let finished = false;
      class Held extends BaseRequestHandler<Socket, LineServer> {
        override async handle(): Promise<void> {
          entered();
          await gate;
          finished = true;
          this.request.end('done');
        }
      }
      const server = resources.server(await LineServer.create(Held));
      resources.defer(release);
      const served = server.serveForever();
      const first = resources.exchange(server.serverAddress);
      await inHandler;
      // Wrapped: a promise resolved with a promise would wait for it.
      const fromSubscriber = new Promise<{ shutdown: Promise<void> }>((resolve) => {
        onAccepted(server, () => resolve({ shutdown: server.shutdown() }));
      });
      resources.connecting(server.serverAddress);
      const { shutdown } = await fromSubscriber;
      await shutdown;
      // The sequential loop is still in the first request's handler.
      expect(finished).toBe(false);
      release();
      await served;
      expect((await first).data).toBe('done');
    },
  );
});
