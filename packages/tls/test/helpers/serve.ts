/** Starting TLS servers in tests, closing every one in teardown, and watching handshake failures. */
import diagnostics from 'node:diagnostics_channel';
import type { HandlerSource } from '@sockserve/core';
import { afterAll, afterEach } from 'vitest';
import { TLSServer, type TLSServerOptions, tlsChannels } from '../../src/index.js';

/** The servers a test file started; `closeAll()` in `afterEach`. */
export class Servers {
  readonly #open: TLSServer[] = [];

  /** Creates, binds and serves a server (closed by `closeAll()`). */
  async start<T extends TLSServer>(server: T): Promise<T> {
    this.#open.push(server);
    await server.ready;
    server.serveForever().catch(() => {});
    return server;
  }

  /** A `TLSServer` on 127.0.0.1, port 0. */
  tls(handler: HandlerSource, options: TLSServerOptions): Promise<TLSServer> {
    return this.start(new TLSServer({ host: '127.0.0.1', port: 0 }, handler, options));
  }

  async closeAll(): Promise<void> {
    for (const server of this.#open.splice(0)) await server.serverClose();
  }
}

/** A published handshake failure. */
export interface FailureMessage {
  readonly server: unknown;
  readonly reason: string;
  readonly message: string;
}

/** Collects `sockserve:tls.handshakeFailed` messages until `stop()`. */
export function watchFailures(): {
  readonly seen: FailureMessage[];
  stop(): void;
  next(): Promise<FailureMessage>;
} {
  const seen: FailureMessage[] = [];
  const waiting: Array<(message: FailureMessage) => void> = [];
  const listener = (message: unknown) => {
    seen.push(message as FailureMessage);
    waiting.shift()?.(message as FailureMessage);
  };
  diagnostics.subscribe(tlsChannels.handshakeFailed.name, listener);
  let taken = 0;
  return {
    seen,
    stop: () => diagnostics.unsubscribe(tlsChannels.handshakeFailed.name, listener),
    next: () => {
      const index = taken++;
      const ready = seen[index];
      if (ready !== undefined) return Promise.resolve(ready);
      return new Promise((resolve) => waiting.push(resolve));
    },
  };
}

/** A {@link Servers} for the calling test file, every server closed after each test. */
export function useServers(): Servers {
  const servers = new Servers();
  afterEach(() => servers.closeAll());
  return servers;
}

/** {@link watchFailures} for the whole calling test file, unsubscribed after it. */
export function useFailureWatch(): ReturnType<typeof watchFailures> {
  const watch = watchFailures();
  afterAll(() => watch.stop());
  return watch;
}
