/**
 * A connection preamble run where the handler runs (a worker thread, a child process) instead
 * of in the server's process: the PROXY header with `proxyProtocol: { parseIn: 'runner' }`.
 * The server's process then only checks what needs no byte of the connection (whether the
 * peer may send a header at all) and moves the socket untouched — Node moves a socket to a
 * worker only while it has read nothing, so a preamble read in the server's process forces a
 * relay of every byte. The runner builds the preamble from a reference (plain data, like a
 * {@link ConnectionUpgradeRef}), runs it before the connection upgrade (TLS) and the handler,
 * and reports how it ended in its `done` message; the server's process counts and publishes
 * that exactly as for a preamble run there (`stats.<name>Rejected`, `<name>HealthChecks`,
 * `sockserve:<name>.rejected`). Python's `socketserver` has none.
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { SocketAddress } from './address.js';
import type { ConnectionPreamble, PreambleOutcome, PreambleSettle } from './connection-preamble.js';
import type { ConnectionUpgradeRef } from './connection-upgrade.js';

/**
 * Where a runner's preamble comes from: the module's `export` is a function
 * `(settings) => ConnectionPreamble`; `settings` cross the thread or process boundary, so
 * they are plain data.
 */
export type RunnerPreambleRef = ConnectionUpgradeRef;

/**
 * How a preamble run in a runner ended, as it crosses back in `done` (plain data). Sent for a
 * refusal and for an accepted health check; an ordinary accepted connection sends none.
 */
export interface RunnerPreambleReport {
  /** The preamble's name (`proxy`). */
  readonly name: string;
  readonly accept: boolean;
  /** A refusal's stable reason (`timeout`, `bad-signature`, …). */
  readonly reason?: string;
  /** A refusal's error, flattened: name, message, `code` and plain fields (`reason`, `offset`). */
  readonly error?: {
    readonly name: string;
    readonly message: string;
    readonly code: string | undefined;
    readonly props: Readonly<Record<string, string | number | boolean | null>>;
  };
  /** A health check (a PROXY LOCAL header, or a connect-and-close before any byte). */
  readonly healthCheck?: boolean;
}

/** What a server offers for a preamble its runners run (`StrategyHost.runnerPreamble`). */
export interface ServerRunnerPreamble {
  /** For runners: where their preamble comes from, with its settings. */
  remote(): RunnerPreambleRef;
  /**
   * A runner's preamble refused a connection or accepted a health check: count and publish
   * it as the server's own preamble would. `clientAddress` is the connection's peer.
   */
  settledElsewhere(report: RunnerPreambleReport, clientAddress: SocketAddress): void;
}

/** @internal A runner builds its preamble from the server's reference. */
export async function loadRunnerPreamble(
  ref: RunnerPreambleRef | undefined,
): Promise<ConnectionPreamble | undefined> {
  if (ref === undefined) return undefined;
  const module = (await import(ref.module)) as Record<string, unknown>;
  return (module[ref.export] as (settings: unknown) => ConnectionPreamble)(ref.settings);
}

/**
 * @internal Runs `preamble` on a stream in a runner (a moved socket or a relay). On acceptance
 * the bytes read past it are put back in front of the stream; the caller attaches `info` and
 * uses `clientAddress`. Never rejects (a throwing preamble is a refusal with reason `error`).
 */
export function runPreambleHere(
  preamble: ConnectionPreamble,
  stream: Duplex,
  peer: SocketAddress,
): Promise<PreambleOutcome> {
  // A relay is not a net.Socket, but it is a Duplex: all a stream preamble reads.
  const socket = stream as Socket;
  return new Promise<PreambleOutcome>((resolve) => {
    const settle: PreambleSettle = (_socket, outcome) => {
      if (outcome.accept && outcome.rest !== undefined && outcome.rest.length > 0)
        stream.unshift(outcome.rest);
      resolve(outcome);
    };
    try {
      if (preamble.start !== undefined) preamble.start(socket, peer, settle);
      else {
        preamble.run(socket, peer, new AbortController().signal).then(
          (outcome) => settle(socket, outcome),
          (error: unknown) => settle(socket, refusedBy(error)),
        );
      }
    } catch (error) {
      settle(socket, refusedBy(error));
    }
  });
}

function refusedBy(error: unknown): PreambleOutcome {
  return { accept: false, reason: 'error', error: error as Error };
}

/** @internal The report of `outcome` for `done`, or undefined when there is nothing to count. */
export function preambleReport(
  name: string,
  outcome: PreambleOutcome,
): RunnerPreambleReport | undefined {
  if (outcome.accept)
    return outcome.healthCheck === true ? { name, accept: true, healthCheck: true } : undefined;
  const error = outcome.error;
  return {
    name,
    accept: false,
    reason: outcome.reason,
    ...(outcome.healthCheck === true ? { healthCheck: true } : {}),
    ...(error === undefined ? {} : { error: flatten(error) }),
  };
}

function flatten(error: Error): NonNullable<RunnerPreambleReport['error']> {
  const props: Record<string, string | number | boolean | null> = {};
  for (const [key, value] of Object.entries(error)) {
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value))
      props[key] = value as string | number | boolean | null;
  }
  const code = (error as { code?: unknown }).code;
  return {
    name: error.name,
    message: error.message,
    code: typeof code === 'string' ? code : undefined,
    props,
  };
}
