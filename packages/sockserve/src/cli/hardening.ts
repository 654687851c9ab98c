/**
 * The command's safe defaults against idle and slow clients (issue 20). The library keeps
 * Python's defaults (no limits); a server started from the command line gets these, each
 * overridable by its flag (0 = off):
 *
 * | flag | default | library equivalent |
 * |---|---|---|
 * | `--idle-timeout MS` | 30000 | `StreamRequestHandler.idleTimeout` |
 * | `--first-byte-timeout MS` | 10000 | `StreamRequestHandler.firstByteTimeout` |
 * | `--max-per-client N` | 64 | `maxConnectionsPerClient` (TCP) |
 * | `--request-timeout MS` | 300000 | `requestTimeout` |
 * | `--min-read-rate BYTES` | 500 | `StreamRequestHandler.minReadRate.bytesPerSecond` |
 * | `--min-read-grace MS` | 10000 | `StreamRequestHandler.minReadRate.graceMs` |
 *
 * The three handler fields reach handlers in worker threads and child processes through the
 * strategy (`RemoteStrategy.handlerDefaults`, sent in the runners' `RunnerInit`): those import
 * their own copy of the handler. With a first-byte deadline (`RemoteStrategy.waitForFirstBytes`)
 * idle connections hold no runner's slot: `--processes` hands a connection to a child only once
 * its first bytes came; `--threads` moves it to a worker at once, which waits for them there
 * (no relay through the main thread). `--first-byte-timeout 0` hands it over at accept, for a
 * protocol where the server speaks first.
 */
import type { ConcurrencyStrategy } from '@sockserve/core';
import { applyHandlerDefaults, type HandlerDefaults, RemoteStrategy } from '@sockserve/core/remote';
import { StreamRequestHandler } from '@sockserve/stream';
import type { ListenAddress } from './args.js';
import { holdsSilentConnections } from './forking-mode.js';

/** The command's limits; 0 means off. */
export interface Hardening {
  /** ms a client may stay silent between requests (`--idle-timeout`). */
  readonly idleTimeout: number;
  /** ms a new connection may take to send its first byte (`--first-byte-timeout`). */
  readonly firstByteTimeout: number;
  /** Connections one client address (an IPv6 /64) may hold open (`--max-per-client`); TCP only. */
  readonly maxPerClient: number;
  /** ms one request may run (`--request-timeout`). */
  readonly requestTimeout: number;
  /** Bytes per second a read waiting for the rest of a request must get (`--min-read-rate`). */
  readonly minReadRate: number;
  /** ms such a read may wait before the rate counts (`--min-read-grace`). */
  readonly minReadGrace: number;
}

/**
 * The defaults: long enough for any interactive client or keep-alive pool (nginx closes idle
 * keep-alive connections after 75 s and waits 60 s for a request header), short enough that
 * silent connections free their slots; 64 connections per address leaves room for a NAT or a
 * browser's pools (6 per host) while one address can't take every slot. The read rate is
 * Apache's recommended `RequestReadTimeout header=20-40,MinRate=500` with the grace of its
 * tighter example (`header=10-30`): 500 bytes/s is far below any real link, while a slowloris
 * (a byte every few seconds) is closed about 10 s after it starts a request.
 */
export const HARDENING_DEFAULTS: Hardening = {
  idleTimeout: 30_000,
  firstByteTimeout: 10_000,
  maxPerClient: 64,
  requestTimeout: 300_000,
  minReadRate: 500,
  minReadGrace: 10_000,
};

/** The server options the limits become for `listen` (the per-client cap on TCP only). */
export function hardeningServerOptions(
  hardening: Hardening,
  listen: ListenAddress,
): { requestTimeout?: number; maxConnectionsPerClient?: number } {
  return {
    ...(hardening.requestTimeout > 0 ? { requestTimeout: hardening.requestTimeout } : {}),
    ...(hardening.maxPerClient > 0 && listen.transport === 'tcp'
      ? { maxConnectionsPerClient: hardening.maxPerClient }
      : {}),
  };
}

/** The idle and first-byte deadlines and the read rate as handler defaults (0 = off = `null`). */
export function handlerDeadlines(hardening: Hardening): HandlerDefaults {
  return {
    idleTimeout: hardening.idleTimeout > 0 ? hardening.idleTimeout : null,
    firstByteTimeout: hardening.firstByteTimeout > 0 ? hardening.firstByteTimeout : null,
    minReadRate:
      hardening.minReadRate > 0
        ? { bytesPerSecond: hardening.minReadRate, graceMs: hardening.minReadGrace }
        : null,
  };
}

/**
 * Gives stream handlers the idle and first-byte deadlines and the read rate: on this process's
 * `StreamRequestHandler`, on the class that declares them in the loaded handler's chain (a
 * handler module may have loaded its own copy of `@sockserve/stream`), and on the strategy,
 * which sends them to the copies workers and children load. A handler's own value still wins.
 */
export function applyHandlerDeadlines(
  hardening: Hardening,
  handlerClass: Function,
  strategy: ConcurrencyStrategy<never> | undefined,
): void {
  const deadlines = handlerDeadlines(hardening);
  StreamRequestHandler.prototype.idleTimeout = deadlines.idleTimeout ?? null;
  StreamRequestHandler.prototype.firstByteTimeout = deadlines.firstByteTimeout ?? null;
  StreamRequestHandler.prototype.minReadRate = deadlines.minReadRate ?? null;
  applyHandlerDefaults(handlerClass as abstract new () => unknown, deadlines);
  if (strategy instanceof RemoteStrategy) {
    strategy.handlerDefaults = deadlines;
    // A client that must speak within the first-byte deadline holds no runner's slot until it
    // did: it waits here (forking) or silent in a worker (threading) (issue 20).
    // Not when children accept (`--accept-in children`): the deadline then runs in the child.
    strategy.waitForFirstBytes =
      deadlines.firstByteTimeout !== null && holdsSilentConnections(strategy);
  }
}
