/**
 * `proxyProtocol: { parseIn: 'runner' }` (issue 14): under threading or forking the PROXY
 * header is read in the worker or child that runs the handler, not in the server's process.
 * The server's process runs {@link proxyTrustPreamble} at accept — the `trusted` check only,
 * no byte read — so the socket moves untouched (Node moves a socket to a worker only while
 * it has read nothing; one that read is relayed byte by byte). The runner builds the full
 * header preamble from {@link RUNNER_PREAMBLE_MODULE} (same parser, `headerTimeout`,
 * versions, refusals) and runs it before TLS and the handler; a refusal or a health check
 * comes back in its `done` message, and {@link proxyRunnerPreamble} counts and publishes it
 * exactly as the server's own preamble would (`stats.proxyRejected`, `proxyHealthChecks`,
 * `sockserve:proxy.rejected` with the same reason and a `ProxyProtocolError`).
 */
import type { Socket } from 'node:net';
import type {
  RunnerPreambleReport,
  ServerRunnerPreamble,
  ServerTransport,
  SocketAddress,
  TransportStats,
} from '@sockserve/core';
import {
  type ConnectionPreamble,
  countPreambleElsewhere,
  type PreambleOutcome,
} from '@sockserve/core/kit';
import {
  PROXY_PROTOCOL_ERROR_REASONS,
  ProxyProtocolError,
  type ProxyProtocolErrorReason,
} from '../errors.js';
import type { ResolvedProxyProtocol } from './options.js';
import type { RunnerProxySettings } from './runner-preamble.js';
import { trustTest } from './trust.js';

/** The module a worker or child loads its header preamble from (the built one when run from source). */
const RUNNER_PREAMBLE_MODULE = import.meta.url.endsWith('.ts')
  ? new URL('../../dist/server/runner-preamble.js', import.meta.url).href
  : new URL('./runner-preamble.js', import.meta.url).href;

const ACCEPTED: PreambleOutcome = Object.freeze({ accept: true });
const GONE: PreambleOutcome = Object.freeze({
  accept: false,
  reason: 'no-header',
  healthCheck: true,
});
const UNTRUSTED: PreambleOutcome = Object.freeze({ accept: false, reason: 'untrusted' });

/**
 * The server process's part with `parseIn: 'runner'`: refuses a peer not in `trusted` (as
 * {@link proxyHeaderPreamble} does, before a byte is read) and accepts every other one
 * without reading, so its socket moves untouched. Named `proxy`, like the full preamble.
 */
export function proxyTrustPreamble(config: ResolvedProxyProtocol): ConnectionPreamble {
  const trusted = trustTest(config);
  const decide = (socket: { remoteAddress?: string | undefined }, peer: SocketAddress) => {
    if (trusted(peer)) return ACCEPTED;
    // A peer reset before it was accepted has no address left: a health checker, not untrusted.
    return peer.family !== 'unix' && socket.remoteAddress === undefined ? GONE : UNTRUSTED;
  };
  return {
    name: 'proxy',
    start: (socket, peer, settle) => settle(socket, decide(socket, peer), peer),
    // Decided within start: never a connection running (the listener keeps no map for it).
    running: () => NONE_RUNNING,
    run: (socket, peer) => Promise.resolve(decide(socket, peer)),
  };
}

const NONE_RUNNING: readonly (readonly [Socket, SocketAddress])[] = Object.freeze([]);

/**
 * The server's side of the header read in its runners: where they load it from, and the
 * counting of what they report. `transport` is the server's transport once bound (its
 * `stats` and address).
 */
export function proxyRunnerPreamble(
  config: ResolvedProxyProtocol,
  transport: () => ServerTransport<unknown> | undefined,
): ServerRunnerPreamble {
  const settings: RunnerProxySettings = {
    headerTimeout: config.headerTimeout,
    versions: [...config.versions],
  };
  return {
    remote: () => ({
      module: RUNNER_PREAMBLE_MODULE,
      export: 'createRunnerProxyPreamble',
      settings,
    }),
    settledElsewhere: (report, peer) => {
      const server = transport();
      if (server === undefined) return;
      countPreambleElsewhere(report.name, server.stats as TransportStats, addressOf(server), peer, {
        accept: report.accept,
        reason: report.reason,
        error: reviveError(report),
        healthCheck: report.healthCheck,
      });
    },
  };
}

function addressOf(transport: ServerTransport<unknown>): SocketAddress | undefined {
  try {
    return transport.address;
  } catch {
    return undefined; // closed meanwhile
  }
}

/** The runner's error as this process would have raised it: a `ProxyProtocolError` with its reason. */
function reviveError(report: RunnerPreambleReport): Error | undefined {
  const flat = report.error;
  if (flat === undefined) return undefined;
  const reason = flat.props.reason;
  if (
    flat.code === 'ERR_SOCKSERVE_PROXY_HEADER' &&
    typeof reason === 'string' &&
    (PROXY_PROTOCOL_ERROR_REASONS as readonly string[]).includes(reason)
  ) {
    const offset = typeof flat.props.offset === 'number' ? flat.props.offset : 0;
    const error = new ProxyProtocolError(reason as ProxyProtocolErrorReason, '', offset);
    error.message = flat.message; // already "invalid PROXY header (reason): …"
    return error;
  }
  const error = new Error(flat.message);
  error.name = flat.name;
  if (flat.code !== undefined) (error as Error & { code: string }).code = flat.code;
  return error;
}
