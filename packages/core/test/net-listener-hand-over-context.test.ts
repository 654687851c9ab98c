/**
 * `NetListenerTransport` hands every connection to the serve loop in the async context its
 * `bind()` ran in (`eventsInBindScope`): one its listener accepted from the `'connection'`
 * event itself (the loop then enters no scope for it, issue 11), and one whose `'connection'`
 * was emitted from elsewhere — as forking's children announce theirs over IPC — inside a
 * scope made in `bind()`, not in the emitter's context. Either way the handler runs in the
 * context `serveForever()` was called in, marked as the server's request. Real TCP on
 * 127.0.0.1.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { AsyncStrategy, type SocketAddress } from '../src/index.js';
import { isInRequestOf } from '../src/request-context.js';
import { LineServer } from './fixtures/line-server.js';
import { useResources } from './fixtures/net.js';
import { FRAMES, StoreHandler, user } from './fixtures/request-scope.js';

const resources = useResources();

/** Notes whether each request's `verifyRequest` ran marked as one of this server's requests. */
class MarkNotingServer extends LineServer {
  readonly marked: boolean[] = [];

  override verifyRequest(request: Socket, clientAddress: SocketAddress): boolean {
    this.marked.push(isInRequestOf(this));
    return super.verifyRequest(request, clientAddress) as boolean;
  }
}

/** A server made and served from one context (`user` set to `serving`): bound where it is served. */
function servedInOneContext(strategy?: AsyncStrategy): Promise<MarkNotingServer> {
  return user.run('serving', async () => {
    const server = resources.server(
      await MarkNotingServer.create(StoreHandler, strategy === undefined ? {} : { strategy }),
    );
    void server.serveForever();
    return server;
  });
}

/** A plain listener whose connections are emitted as `target`'s, from the `emitter` context. */
async function sideDoor(target: LineServer): Promise<SocketAddress> {
  const door: Server = createServer({ pauseOnConnect: true }, (socket) => {
    user.run('emitter', () => target.listener?.emit('connection', socket));
  });
  resources.defer(() => new Promise((resolve) => door.close(resolve)));
  await new Promise<void>((resolve) => door.listen(0, '127.0.0.1', resolve));
  const { port } = door.address() as { port: number };
  return { family: 'IPv4', host: '127.0.0.1', port };
}

describe.each([
  ['sequential', undefined],
  ['async', () => new AsyncStrategy()],
] as const)('a %s server bound and served from one context', (_name, strategy) => {
  it('serves a connection its listener accepted in that context, marked', async () => {
    const server = await servedInOneContext(strategy?.());
    const answers = [];
    for (let n = 0; n < 3; n += 1) answers.push(await resources.exchange(server.serverAddress));
    expect(answers.map((a) => a.data)).toEqual(Array(3).fill('serving/serving'));
    expect(server.marked).toEqual(Array(3).fill(FRAMES));
  });

  it("serves a connection emitted as the listener's from another context in that context too", async () => {
    const server = await servedInOneContext(strategy?.());
    const door = await sideDoor(server);
    const emitted = await resources.exchange(door);
    const accepted = await resources.exchange(server.serverAddress);
    const emittedAgain = await resources.exchange(door);
    expect([emitted.data, accepted.data, emittedAgain.data]).toEqual(
      Array(3).fill('serving/serving'),
    );
    expect(server.marked).toEqual(Array(3).fill(FRAMES));
    expect(server.stats.accepted).toBe(3);
  });
});
