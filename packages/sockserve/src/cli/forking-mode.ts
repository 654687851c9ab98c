/**
 * `--fork per-request|pool` and `--accept-in children|server`, with `--processes N`:
 * forking's `mode` (Python's `ForkingMixIn` forks a child per request: `per-request`; the
 * default `pool` reuses children, Perl's Net::Server::PreFork) and `acceptIn` (per-request
 * spares that accept from the listening socket themselves, saving the socket's hand-over).
 *
 * Per-request children run exactly one request each, so the pool's flags don't fit there:
 * `--requests-per-child` (the command's default 256 is dropped) and `--max-spare` are usage
 * errors with `--fork per-request`.
 *
 * With `--accept-in children` the server never sees a connection before a child has it, so
 * what the server does first can't apply (forking refuses them, `acceptIn`'s docs):
 * - `--max-per-client` (default 64, a per-client cap counted in the server): the command's
 *   default is dropped; given explicitly (above 0) it is a usage error naming both flags;
 * - `--first-byte-timeout` (default 10000) keeps closing a connection silent that long — in
 *   the child, by its handler — but a connection no longer waits for its first bytes in the
 *   server (`waitForFirstBytes`), since the child accepted it: see {@link holdsSilentConnections};
 * - `--proxy-protocol`, the TLS flags, datagram transports and `--min-spare 0` are usage
 *   errors naming both flags.
 */
import type { ListenRequest } from './listen-request.js';
import type { StrategyChoice } from './strategy.js';
import { UsageError } from './usage-error.js';

/** The flags this module reads, as `parseArgs` gives them. */
export interface ForkingModeFlags {
  readonly fork?: string | undefined;
  readonly 'accept-in'?: string | undefined;
  readonly 'requests-per-child'?: string | undefined;
  readonly 'max-spare'?: string | undefined;
  readonly 'min-spare'?: string | undefined;
}

/** The flags a server whose children accept can't honour, each with why. */
const NOT_WITH_CHILDREN_ACCEPTING: ReadonlyArray<readonly [string, string]> = [
  [
    'max-per-client',
    "the server never sees a client's connections to count them (0 turns the cap off)",
  ],
  ['proxy-protocol', 'the child would have to read the PROXY header the server reads'],
  ['tls-cert', 'the TLS handshake runs in the server'],
];

/**
 * `choice` with `--fork` and `--accept-in` as forking options (`mode`, `acceptIn`); a
 * UsageError naming the flags when they don't fit. Runs before `--requests-per-child` and
 * `--min-spare` are applied (see {@link isPerRequest}).
 */
export function withForkingMode(choice: StrategyChoice, flags: ForkingModeFlags): StrategyChoice {
  const { fork, 'accept-in': acceptIn } = flags;
  if (fork === undefined && acceptIn === undefined) return choice;
  const processes = choice.name === 'forking' && choice.count !== undefined;
  if (fork !== undefined && !processes) {
    throw new UsageError(
      '--fork sets how child processes serve requests: use it with --processes N',
    );
  }
  if (fork !== undefined && fork !== 'per-request' && fork !== 'pool') {
    throw new UsageError(`--fork ${JSON.stringify(fork)}: expected per-request or pool`);
  }
  if (acceptIn !== undefined && acceptIn !== 'children' && acceptIn !== 'server') {
    throw new UsageError(`--accept-in ${JSON.stringify(acceptIn)}: expected children or server`);
  }
  if (acceptIn !== undefined && fork !== 'per-request') {
    throw new UsageError(
      '--accept-in sets who accepts for per-request children: use it with --processes N --fork per-request',
    );
  }
  if (fork === 'per-request') {
    for (const flag of ['requests-per-child', 'max-spare'] as const) {
      if (flags[flag] !== undefined) {
        throw new UsageError(
          `--${flag} and --fork per-request: a per-request child runs exactly one request, then exits; leave out --${flag}`,
        );
      }
    }
  }
  if (acceptIn === 'children' && flags['min-spare'] === '0') {
    throw new UsageError(
      '--min-spare 0 and --accept-in children: children accept only as ready spares; give --min-spare 1 or more',
    );
  }
  return {
    ...choice,
    options: {
      ...choice.options,
      ...(fork === undefined ? {} : { mode: fork }),
      ...(acceptIn === undefined ? {} : { acceptIn }),
    },
  };
}

/** True when `choice` forks a child per request (`--fork per-request`). */
export function isPerRequest(choice: StrategyChoice): boolean {
  return choice.options?.mode === 'per-request';
}

/** True when `choice`'s children accept connections themselves (`--accept-in children`). */
export function childrenAccept(choice: StrategyChoice): boolean {
  return choice.options?.acceptIn === 'children';
}

/**
 * With `--accept-in children`: a UsageError naming a flag the children's accepting can't
 * honour (given explicitly; the command's own default of `--max-per-client` is dropped by
 * the caller), or a transport whose connections children can't accept.
 */
export function checkChildrenAccept(
  choice: StrategyChoice,
  values: Readonly<Record<string, unknown>>,
  listen: ListenRequest,
): void {
  if (!childrenAccept(choice)) return;
  for (const [flag, why] of NOT_WITH_CHILDREN_ACCEPTING) {
    const value = values[flag];
    if (value === undefined || (flag === 'max-per-client' && value === '0')) continue;
    throw new UsageError(`--${flag} and --accept-in children: ${why}; leave out one of them`);
  }
  if (listen.transport !== 'tcp' && listen.transport !== 'unix' && listen.transport !== 'systemd') {
    throw new UsageError(
      `--accept-in children: children accept stream connections (--tcp, --unix), not --${listen.transport}`,
    );
  }
}

/**
 * Whether a connection should wait in the server for its first bytes before a child takes
 * it (`RemoteStrategy.waitForFirstBytes`, under a first-byte deadline): never when children
 * accept — the connection is theirs from the accept; the deadline applies in their handler.
 */
export function holdsSilentConnections(strategy: unknown): boolean {
  return (strategy as { acceptIn?: unknown } | undefined)?.acceptIn !== 'children';
}
