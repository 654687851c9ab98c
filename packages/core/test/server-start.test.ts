/**
 * Starting a server when `createTransport()` throws at once (synchronously): the failed bind
 * must leave the server closed — not `binding`, which the step's own state used to overwrite
 * the `closed` with — so `health` says `stopped` and a second `serverBind()` names the state.
 */
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { BaseRequestHandler, ServerStateError, type ServerTransport } from '../src/index.js';
import { LineServer } from './fixtures/line-server.js';
import { useResources } from './fixtures/net.js';

const resources = useResources();

class NoopHandler extends BaseRequestHandler<Socket> {
  override handle(): void {}
}

/** The error its transport factory throws. */
const factoryError = new Error('no transport today');

/** A LineServer whose `createTransport()` throws synchronously. */
class NoTransportServer extends LineServer {
  protected override createTransport(): ServerTransport<Socket> {
    throw factoryError;
  }
}

describe('a createTransport() that throws synchronously', () => {
  it('serverBind() by hand rejects with its error and leaves the server stopped', async () => {
    const server = resources.server(new NoTransportServer(NoopHandler, { bindAndActivate: false }));
    await expect(server.serverBind()).rejects.toBe(factoryError);
    expect(server.health).toBe('stopped');
    await expect(server.ready).rejects.toBe(factoryError);
    const again = await server.serverBind().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(again).toBeInstanceOf(ServerStateError);
    expect((again as ServerStateError).code).toBe('ERR_SOCKSERVE_SERVER_STATE');
    expect((again as ServerStateError).message).toBe(
      'serverBind() needs a new server; this one is closed',
    );
    await expect(server.serveForever()).rejects.toBe(factoryError);
    const report = await server.serverClose();
    expect(report).toMatchObject({ finished: 0, cut: 0 });
    expect(server.health).toBe('stopped');
  });

  it('the constructor bind: ready rejects with its error and the server is stopped', async () => {
    const server = resources.server(new NoTransportServer(NoopHandler));
    await expect(server.ready).rejects.toBe(factoryError);
    expect(server.health).toBe('stopped');
    await expect(server.handleRequest()).rejects.toBe(factoryError);
  });
});
