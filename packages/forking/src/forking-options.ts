/**
 * The forking options, checked up front (each error names its option), and how they map onto
 * the shared runner pool of `@sockserve/core/remote` (`RunnerPoolOptions`):
 *
 * | option | per-request (Python) | pool (Perl PreFork) |
 * |---|---|---|
 * | `maxChildren` | `max`: children at once | `max`: children at once |
 * | `maxConcurrentPerChild` | `maxPerRunner` 1 (the option is refused) | `maxPerRunner`: requests one child runs at once (default 1) |
 * | — | `recycleAfter` 1: a child per request | `recycleAfter` = `maxRequestsPerChild` |
 * | `minSpareChildren` | `minSpare`: started ahead, each request takes one; `min` 0 | `minSpare` and `min`: kept idle ahead of demand, kept when idle |
 * | `maxSpareChildren` | — (a spare never outlives its one request) | `maxSpare`: idle children above it exit at once |
 * | `idleTimeout` | — | `idleTimeout`: idle children above `minSpareChildren` exit |
 * | `crashBackoff`, `crashResetAfter` | the same | the same: crash loops back off (`restart-policy.ts` in core) |
 * | `growAfter` | — (each child replaces one taken) | `growAfter`: children beyond `minSpareChildren` start once every child has been busy this long (`pool-growth.ts` in core) |
 */
import { InvalidOptionError } from '@sockserve/core';
import {
  atMost,
  choiceOption,
  defineOptions,
  functionOption,
  integerOption,
  type OptionsInput,
} from '@sockserve/core/kit';
import { type RunnerPoolOptions, remoteStrategyOptions } from '@sockserve/core/remote';
import type { ChildRunnerOptions } from './child-runner.js';

const POOL_ONLY = [
  'maxSpareChildren',
  'maxRequestsPerChild',
  'maxConcurrentPerChild',
  'idleTimeout',
] as const;

/** The declarations of {@link ForkingOptions}: Python's `ForkingMixIn` attributes and the pool's. */
export const FORKING_OPTIONS = defineOptions(
  'ForkingStrategy',
  {
    mode: choiceOption(['pool', 'per-request'], {
      default: 'pool',
      doc: "`'pool'`: children are reused (Perl's Net::Server::PreFork); `'per-request'`: a child per request, as in Python",
    }),
    maxChildren: integerOption({
      min: 1,
      default: 40,
      doc: "Python's `max_children` (same default): children at once, at most. At the limit the server takes no request until a child is free (pool) or has exited (per-request)",
    }),
    minSpareChildren: integerOption({
      min: 0,
      default: 1,
      doc: "idle children kept ready ahead of demand (Perl's `min_spare_servers`), started in the background as requests take them, within `maxChildren`; per-request: each request takes a ready child instead of waiting for one to start. 0: children start on demand",
    }),
    maxSpareChildren: integerOption({
      min: 0,
      default: Number.POSITIVE_INFINITY,
      defaultText: 'no limit',
      doc: "pool: idle children above this exit at once (Perl's `max_spare_servers`); without it only `idleTimeout` trims them. At least `minSpareChildren`",
    }),
    maxRequestsPerChild: integerOption({
      min: 1,
      default: Number.POSITIVE_INFINITY,
      defaultText: 'never',
      doc: "pool: a child that served this many requests exits and is replaced (Perl's `max_requests`)",
    }),
    maxConcurrentPerChild: integerOption({
      min: 1,
      default: 1,
      doc: "pool: requests one child runs at once (threading's `maxRequestsPerWorker`); 1, the default, is Python's one request per child. Above 1, a child whose handlers are waiting (a slow client, I/O) takes more connections instead of holding a whole child each; the pool's bound is `maxChildren × maxConcurrentPerChild`. The price: a child that crashes fails every request it holds",
    }),
    acceptIn: choiceOption(['server', 'children'], {
      default: 'server',
      doc: "`'server'`: the server accepts each connection and sends it to a child; `'children'` (per-request mode with spares, TCP and Unix stream): ready spares accept from the server's listening socket themselves, each exactly one connection (Perl's Net::Server::PreFork), which saves the socket's hand-over (~1.2–1.5 ms an answer). Not with `proxyProtocol`, `maxConnections`, `maxConnectionsPerClient`, TLS or `waitForFirstBytes` (refused when the server starts)",
    }),
    onChildExit: functionOption<(child: string, reason: string) => void>({
      defaultText: 'a process warning',
      doc: '`(child, reason) => void`, told when a child dies unexpectedly (a crash, a kill, `process.exit()` in handler code); its requests (one, unless `maxConcurrentPerChild` > 1) failed through `handleError`',
    }),
  },
  atMost('minSpareChildren', 'maxChildren'),
  atMost('minSpareChildren', 'maxSpareChildren'),
  // The whole bag: idleTimeout is one of the remote strategy options composed below.
  ({ mode }, given: Readonly<Record<string, unknown>>) => {
    const set = POOL_ONLY.find((name) => given[name] !== undefined);
    if (given.acceptIn === 'children' && (mode !== 'per-request' || given.minSpareChildren === 0)) {
      throw new InvalidOptionError(
        'acceptIn',
        '"server" unless mode is "per-request" with minSpareChildren >= 1 (children accept only as ready spares, each one connection)',
        given.acceptIn,
      );
    }
    if (mode === 'per-request' && set !== undefined) {
      throw new InvalidOptionError(
        set,
        'left out in mode "per-request" (each child runs one request, then exits; `minSpareChildren` sets how many wait ready)',
        given[set],
      );
    }
  },
).with(
  'ForkingStrategy',
  remoteStrategyOptions(
    'ForkingStrategy',
    'pool: ms before an idle child above `minSpareChildren` exits',
  ),
);

/** `'per-request'`: Python's ForkingMixIn; `'pool'`: pre-started children (Perl's Net::Server::PreFork). */
export type ForkingMode = 'pool' | 'per-request';

/** Options of `ForkingStrategy`; see {@link FORKING_OPTIONS}. */
export type ForkingOptions = OptionsInput<(typeof FORKING_OPTIONS)['specs']>;

/** Validated options, with defaults applied, and what the children are started with. */
export interface ResolvedForkingOptions {
  readonly mode: ForkingMode;
  readonly acceptIn: 'server' | 'children';
  readonly maxChildren: number;
  readonly minSpareChildren: number;
  readonly maxSpareChildren: number;
  readonly maxRequestsPerChild: number;
  readonly maxConcurrentPerChild: number;
  readonly idleTimeout: number;
  readonly crashBackoff: number;
  readonly crashResetAfter: number;
  readonly growAfter: 'startup' | number;
  readonly blockOnClose: boolean;
  readonly closeTimeout: number;
  readonly runner: ChildRunnerOptions;
  readonly onChildExit: (child: string, reason: string) => void;
}

/** Checks `options` (throwing `InvalidOptionError` naming the option) and applies the defaults, Python's where it has one. */
export function resolveForkingOptions(options: ForkingOptions): ResolvedForkingOptions {
  const resolved = FORKING_OPTIONS.resolve(options);
  const { mode, transfer, execArgv, closeTimeout } = resolved;
  return {
    ...resolved,
    runner: { exitAfterRequest: mode === 'per-request', transfer, execArgv, closeTimeout },
    onChildExit:
      resolved.onChildExit ??
      ((child, reason) =>
        process.emitWarning(
          `sockserve: ${child} ${reason}; ${resolved.maxConcurrentPerChild > 1 ? 'the requests it held' : 'its request'} failed${mode === 'pool' ? ' and it will be replaced' : ''}`,
          { code: 'SOCKSERVE_CHILD_EXIT' },
        )),
  };
}

/**
 * ms a spare child's start waits for the requests in flight while another spare is ready: a
 * child's start-up (~100 ms of CPU) next to a request slowed that request's answer about 3×
 * (issue 19: `bench/forking-handover.ts`, p50 14.6 → 4.6 ms at load ~24). Past this the spare
 * starts anyway (a long request doesn't hold the pool's spares down).
 */
export const SPARE_START_DEFERRAL = 250;

/**
 * The pool's sizing for `options` (see the module comment). `max` is read from `limit` each
 * time, so `maxChildren` may be changed until the server starts (a mixin subclass's field).
 */
export function poolOptions(
  options: ResolvedForkingOptions,
  limit: { maxChildren: number },
): RunnerPoolOptions {
  const perRequest = options.mode === 'per-request';
  return {
    get max() {
      return limit.maxChildren;
    },
    min: perRequest ? 0 : options.minSpareChildren,
    minSpare: options.minSpareChildren,
    maxSpare: perRequest ? Number.POSITIVE_INFINITY : options.maxSpareChildren,
    maxPerRunner: perRequest ? 1 : options.maxConcurrentPerChild,
    idleTimeout: options.idleTimeout,
    recycleAfter: perRequest ? 1 : options.maxRequestsPerChild,
    crashBackoff: options.crashBackoff,
    crashResetAfter: options.crashResetAfter,
    spareStartDeferral: SPARE_START_DEFERRAL,
    // Per-request children are replacements, never growth (`pool-growth.ts`).
    growAfter: options.growAfter,
  };
}
