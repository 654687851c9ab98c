/** What a transport package hands the suite, and the per-test server bookkeeping. */
import type {
  BaseServer,
  BaseServerOptions,
  ConcurrencyStrategy,
  HandlerSource,
} from '@sockserve/core';
import { afterEach } from 'vitest';
import type { StreamConnect } from './client.js';

/** A server under test, typed loosely: the suite drives every transport the same way. */
// biome-ignore lint/suspicious/noExplicitAny: the suite is transport-agnostic.
export type AnyServer = BaseServer<any>;

/** How the suite creates servers of one transport. */
export interface ServerHarness {
  /** A label, e.g. `TCPServer 127.0.0.1`. */
  readonly name: string;
  /** Returns a bound, active server (`Server.create(...)`). Extra options go to the transport. */
  create(
    handler: HandlerSource,
    options: BaseServerOptions & Record<string, unknown>,
  ): Promise<AnyServer>;
  /**
   * Stream suites, optional: how a client connects to the server's address, for a transport
   * whose bytes are wrapped (TLS). Default: a plain TCP or Unix socket (`connectTo`).
   */
  readonly connect?: StreamConnect;
}

/** A strategy the suite runs under: a fresh instance per server. */
export interface StrategyCase {
  readonly name: string;
  // biome-ignore lint/suspicious/noExplicitAny: one strategy for any request type.
  make(): ConcurrencyStrategy<any>;
}

/** Tracks servers (and their serve loops) a test started, and closes them after it. */
export function serverTracker(harness: ServerHarness, strategy: StrategyCase) {
  const open: Array<{ server: AnyServer; loop: Promise<void> | undefined }> = [];

  afterEach(async () => {
    for (const entry of open.splice(0)) {
      await entry.server.shutdown();
      await entry.loop?.catch(() => {});
      await entry.server.serverClose();
    }
  });

  return {
    /** A ready server; closed after the test. */
    async create(
      handler: HandlerSource,
      options: BaseServerOptions & Record<string, unknown> = {},
    ) {
      const server = await harness.create(handler, { strategy: strategy.make(), ...options });
      open.push({ server, loop: undefined });
      return server;
    },
    /** A ready server already in `serveForever()`; `loop` is its promise. */
    async serve(handler: HandlerSource, options: BaseServerOptions & Record<string, unknown> = {}) {
      const server = await harness.create(handler, { strategy: strategy.make(), ...options });
      const loop = server.serveForever();
      loop.catch(() => {});
      open.push({ server, loop });
      return { server, loop };
    },
  };
}

/**
 * The time limit of the "twenty servers at once" tests (CPython's test_shutdown): under a
 * strategy that starts a process or a thread per server (forking, threading) that is twenty
 * Node start-ups, which took 30–41 s on a loaded 2-core machine.
 */
export const TWENTY_SERVERS_TIMEOUT_MS = 90_000;
