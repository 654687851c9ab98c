/**
 * Starting a server: Python's `server_bind()` and `server_activate()`, and the constructor's
 * `bind_and_activate`. Each step moves the {@link ServerCore}'s lifecycle forward; a step
 * that fails closes what it opened and leaves the server closed, with `ready` rejected.
 */
import { channels, publish } from './diagnostics.js';
import { ServerStateError } from './errors.js';
import { resolveHandler } from './handler.js';
import { bindTransport } from './request-context.js';
import type { ServerCore } from './server-core.js';

/** `serverBind()`: creates the transport and binds it. Rejects (nothing left open) on failure. */
export async function bindServer<TRequest>(core: ServerCore<TRequest>): Promise<void> {
  core.life.expect('new', 'serverBind()');
  await core.life.step('binding', async () => {
    try {
      core.transport = core.createTransport();
      await bindTransport(core.server, core.transport);
      core.address = core.transport.address;
      core.life.state = { kind: 'bound' };
    } catch (error) {
      core.life.failStart(error);
      throw error;
    }
  });
}

/** `serverActivate()`: starts the strategy (handlers load now), then the transport takes requests. */
export async function activateServer<TRequest>(core: ServerCore<TRequest>): Promise<void> {
  core.life.expect('bound', 'serverActivate()');
  const transport = core.activeTransport;
  await core.life.step('activating', async () => {
    try {
      core.pipeline.handlerClass = await resolveHandler(core.server.handler);
      await core.strategy.start(core.server);
      if (core.closing !== undefined) {
        throw new ServerStateError('the server was closed while activating');
      }
      await transport.activate();
      core.life.state = { kind: 'active' };
      core.life.activated.resolve();
      publish(channels.listening, () => ({ server: core.server, address: transport.address }));
    } catch (error) {
      // Close what the bind opened here (not through serverClose(), which waits for this).
      core.life.failStart(error);
      await transport.close();
      await core.strategy.close();
      throw error;
    }
  });
}

/** The constructor's `bindAndActivate`: through the server's (overridable) bind and activate. */
export async function bindAndActivate<TRequest>(core: ServerCore<TRequest>): Promise<void> {
  if (core.closing !== undefined) {
    core.life.activated.reject(new ServerStateError('the server was closed before it was bound'));
    return;
  }
  try {
    await core.server.serverBind();
    await core.server.serverActivate();
  } catch {
    // Reported through `ready`, `serveForever()` and `handleRequest()`.
  }
}
