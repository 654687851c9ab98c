/**
 * Connection upgrades: a step that turns an accepted stream connection into the stream its
 * handler gets, run where the handler runs (in this process, or in the worker or child that
 * runs it) — TLS is one: the raw TCP socket is what moves, the handshake happens next to the
 * handler. Python has no hook of its own for this (`ssl.wrap_socket` in a subclass's
 * `get_request`); a transport package provides one and the server hands it to the pipeline and
 * to the strategy.
 */
import type { Duplex } from 'node:stream';
import type { SocketAddress } from './address.js';

/**
 * Upgrades one connection. Resolves the stream the handler gets, or `undefined` when the
 * connection was refused (a failed handshake): the upgrade closed it, and the request ends
 * without a handler and without `handleError`.
 */
export interface ConnectionUpgrade {
  upgrade(stream: Duplex, clientAddress: SocketAddress): Promise<Duplex | undefined>;
}

/**
 * How a runner (worker thread, child process) builds its own {@link ConnectionUpgrade}: the
 * module's `export` is a function `(settings) => RunnerConnectionUpgrade`; `settings`
 * cross the thread or process boundary, so they are plain data (PEM strings, not contexts).
 */
export interface ConnectionUpgradeRef {
  readonly module: string;
  readonly export: string;
  readonly settings: unknown;
}

/** A runner's upgrade: also takes new settings (a certificate reload). */
export interface RunnerConnectionUpgrade {
  /**
   * As {@link ConnectionUpgrade.upgrade}, but a refusal resolves `{ refused }`: plain data the
   * server's side receives in {@link ServerConnectionUpgrade.refusedElsewhere}.
   */
  upgrade(
    stream: Duplex,
    clientAddress: SocketAddress,
  ): Promise<{ readonly stream: Duplex } | { readonly refused: unknown }>;
  /** New settings for the connections upgraded from now on. */
  update(settings: unknown): void;
}

/** What a server offers for its connections (`StrategyHost.connectionUpgrade`). */
export interface ServerConnectionUpgrade extends ConnectionUpgrade {
  /** For runners: where their own upgrade comes from, with the current settings. */
  remote(): ConnectionUpgradeRef;
  /** A runner refused a connection: `refused` is what its upgrade reported. */
  refusedElsewhere(refused: unknown, clientAddress: SocketAddress): void;
}

/** @internal A runner builds its upgrade from the server's reference (see {@link ConnectionUpgradeRef}). */
export async function loadRunnerUpgrade(
  ref: ConnectionUpgradeRef | undefined,
): Promise<RunnerConnectionUpgrade | undefined> {
  if (ref === undefined) return undefined;
  const module = (await import(ref.module)) as Record<string, unknown>;
  return (module[ref.export] as (settings: unknown) => RunnerConnectionUpgrade)(ref.settings);
}
