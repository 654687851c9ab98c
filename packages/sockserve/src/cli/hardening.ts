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
 *
 * The two handler fields reach handlers in worker threads and child processes through the
 * environment (`SOCKSERVE_IDLE_TIMEOUT`, `SOCKSERVE_FIRST_BYTE_TIMEOUT`, which
 * `@sockserve/stream` reads when it loads): those import their own copy of the handler.
 */
import { IDLE_ENV, StreamRequestHandler } from '@sockserve/stream';
import type { ListenAddress } from './args.js';

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
}

/**
 * The defaults: long enough for any interactive client or keep-alive pool (nginx closes idle
 * keep-alive connections after 75 s and waits 60 s for a request header), short enough that
 * silent connections free their slots; 64 connections per address leaves room for a NAT or a
 * browser's pools (6 per host) while one address can't take every slot.
 */
export const HARDENING_DEFAULTS: Hardening = {
  idleTimeout: 30_000,
  firstByteTimeout: 10_000,
  maxPerClient: 64,
  requestTimeout: 300_000,
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

/**
 * Gives stream handlers the idle and first-byte deadlines: on this process's
 * `StreamRequestHandler` (already loaded by the command) and, through the environment, on
 * the copies workers and children load. A handler's own class field still wins.
 */
export function applyHandlerDeadlines(hardening: Hardening): void {
  const idle = hardening.idleTimeout > 0 ? hardening.idleTimeout : null;
  const firstByte = hardening.firstByteTimeout > 0 ? hardening.firstByteTimeout : null;
  process.env[IDLE_ENV.idleTimeout] = String(idle ?? 0);
  process.env[IDLE_ENV.firstByteTimeout] = String(firstByte ?? 0);
  StreamRequestHandler.prototype.idleTimeout = idle;
  StreamRequestHandler.prototype.firstByteTimeout = firstByte;
}
