/**
 * The teardown most server tests share: the servers a test started and the client sockets it
 * opened, closed after each test — the sockets destroyed first (so no handler still waits on
 * its client), then each server stopped (`shutdown()`) and closed with a bounded drain
 * (`serverClose({ timeout })`), in the order they were added.
 */
import type { Socket } from 'node:net';
import { Teardown } from './teardown.js';

/**
 * A server the teardown can stop: sockserve's `BaseServer` — Python's `shutdown()` then
 * `server_close()`, with a drain bounded by `timeout` ms.
 */
export interface StoppableServer {
  shutdown(): Promise<unknown>;
  serverClose(options: { timeout: number }): Promise<unknown>;
}

/** A client the teardown destroys (a `net.Socket` by default). */
export interface Destroyable {
  destroy(): unknown;
}

/** vitest's `afterEach`, passed in: this package has no test runner of its own. */
export interface EachHooks {
  afterEach(fn: () => unknown): void;
}

/** What a test file pushes its servers and sockets to; {@link OpenServers.close} ends them. */
export interface OpenServers<S extends StoppableServer, C extends Destroyable> {
  /** Servers to stop and close, in the order pushed. */
  readonly servers: S[];
  /** Client sockets to destroy, before any server is stopped. */
  readonly sockets: C[];
  /**
   * Destroys every socket, then stops and closes every server, emptying both lists; a socket
   * or server that fails does not keep the others open. Rethrows the first failure at the end
   * (a {@link Teardown} run).
   */
  close(): Promise<void>;
}

/** The two lists and their `close()`, for a file that runs more in its own `afterEach`. */
export function openServers<S extends StoppableServer, C extends Destroyable = Socket>(options: {
  /** ms each server's `serverClose` drains before cutting what still runs. */
  readonly closeTimeout: number;
}): OpenServers<S, C> {
  const servers: S[] = [];
  const sockets: C[] = [];
  return {
    servers,
    sockets,
    // One Teardown run (last added first): the sockets' step first, then each server in the
    // order pushed; a failure does not keep the rest open and is rethrown at the end.
    close() {
      const teardown = new Teardown();
      for (const server of servers.splice(0).reverse()) {
        teardown.add(async () => {
          await server.shutdown();
          await server.serverClose({ timeout: options.closeTimeout });
        });
      }
      const clients = sockets.splice(0);
      teardown.add(() => {
        for (const socket of clients) socket.destroy();
      });
      return teardown.run();
    },
  };
}

/**
 * {@link openServers} closed after each test:
 * `const { servers, sockets } = closeAfterEach<TCPServer>({ afterEach }, { closeTimeout: 100 })`
 * at the top of a file in place of the two lists and their `afterEach`.
 */
export function closeAfterEach<S extends StoppableServer, C extends Destroyable = Socket>(
  hooks: EachHooks,
  options: { readonly closeTimeout: number },
): OpenServers<S, C> {
  const open = openServers<S, C>(options);
  hooks.afterEach(() => open.close());
  return open;
}
