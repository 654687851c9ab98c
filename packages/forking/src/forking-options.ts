/**
 * The forking options, checked up front (each error names its option), and how they map onto
 * the shared runner pool of `@sockserve/core/remote` (`RunnerPoolOptions`):
 *
 * | option | per-request (Python) | pool (Perl PreFork) |
 * |---|---|---|
 * | `maxChildren` | `max`: children at once | `max`: children at once |
 * | — | `maxPerRunner` 1 | `maxPerRunner` 1: a child runs one request at a time |
 * | — | `recycleAfter` 1: a child per request | `recycleAfter` = `maxRequestsPerChild` |
 * | `minSpareChildren` | `min` 0 (one child still starts up front) | `min`: started up front, kept when idle |
 * | `idleTimeout` | — | `idleTimeout`: idle children above `minSpareChildren` exit |
 */
import {
  InvalidOptionError,
  optionalBoolean,
  optionalInteger,
  optionalTimeout,
  rejectUnknownOptions,
} from '@sockserve/core';
import type { RunnerPoolOptions } from '@sockserve/core/remote';
import type { ChildRunnerOptions } from './child-runner.js';

/** `'per-request'`: Python's ForkingMixIn; `'pool'`: pre-started children (Perl's Net::Server::PreFork). */
export type ForkingMode = 'pool' | 'per-request';

/** Options of `ForkingStrategy`: Python's `ForkingMixIn` attributes (`max_children`, `block_on_close`) and the pool's. */
export interface ForkingOptions {
  /** `'pool'` (default): children are reused; `'per-request'`: a child per request, as in Python. */
  readonly mode?: ForkingMode;
  /** Children at once, at most (Python's `max_children`). At the limit the server takes no request until a child is free (pool) or has exited (per-request). Default 40. */
  readonly maxChildren?: number;
  /** Pool mode: children started up front and kept when idle. Default 1. */
  readonly minSpareChildren?: number;
  /** Pool mode: a child that served this many requests exits and is replaced (Perl's `max_requests`). Default: never. */
  readonly maxRequestsPerChild?: number;
  /** Pool mode: ms before an idle child above `minSpareChildren` exits. Default 30000. */
  readonly idleTimeout?: number;
  /** `serverClose()` waits for running children (Python's `block_on_close`). Default true. */
  readonly blockOnClose?: boolean;
  /** `'auto'`: stream sockets go to the child as handles; `'relay'`: their bytes are relayed. Default `'auto'`. */
  readonly transfer?: 'auto' | 'relay';
  /** ms a finished connection in a child may take to flush and close. Default 30000. */
  readonly closeTimeout?: number;
  /** Node options for the children (e.g. `['--max-old-space-size=64']`, `['--inspect=0']` to debug them). Default: this process's `execArgv` without inspector flags. */
  readonly execArgv?: readonly string[];
  /** Told when a child dies unexpectedly (a crash, a kill, `process.exit()` in handler code); its request failed through `handleError`. Default: a process warning. */
  readonly onChildExit?: (child: string, reason: string) => void;
}

/**
 * The names of {@link ForkingOptions} (Python's `ForkingMixIn` attributes and the pool's).
 * @internal
 */
export const FORKING_OPTIONS = [
  'mode',
  'maxChildren',
  'minSpareChildren',
  'maxRequestsPerChild',
  'idleTimeout',
  'blockOnClose',
  'transfer',
  'closeTimeout',
  'execArgv',
  'onChildExit',
] as const;

/** Validated options, with defaults applied (Python's `max_children = 40`, `block_on_close = True`). */
export interface ResolvedForkingOptions {
  readonly mode: ForkingMode;
  readonly maxChildren: number;
  readonly minSpareChildren: number;
  readonly maxRequestsPerChild: number;
  readonly idleTimeout: number;
  readonly blockOnClose: boolean;
  readonly closeTimeout: number;
  readonly runner: ChildRunnerOptions;
  readonly onChildExit: (child: string, reason: string) => void;
}

const POOL_ONLY = ['minSpareChildren', 'maxRequestsPerChild', 'idleTimeout'] as const;

/** Checks `options` (throwing `InvalidOptionError` naming the option) and applies the defaults, Python's where it has one. */
export function resolveForkingOptions(options: ForkingOptions): ResolvedForkingOptions {
  rejectUnknownOptions('ForkingStrategy', options, FORKING_OPTIONS);
  const mode = options.mode ?? 'pool';
  if (mode !== 'pool' && mode !== 'per-request') {
    throw new InvalidOptionError('mode', '"pool" or "per-request"', mode);
  }
  if (mode === 'per-request') {
    for (const name of POOL_ONLY) {
      if (options[name] !== undefined) {
        throw new InvalidOptionError(
          name,
          'left out in mode "per-request" (each child runs one request, then exits)',
          options[name],
        );
      }
    }
  }
  const maxChildren = optionalInteger('maxChildren', options.maxChildren, 1) ?? 40;
  const transfer = options.transfer ?? 'auto';
  if (transfer !== 'auto' && transfer !== 'relay') {
    throw new InvalidOptionError('transfer', '"auto" or "relay"', transfer);
  }
  const execArgv = options.execArgv;
  if (
    execArgv !== undefined &&
    (!Array.isArray(execArgv) || execArgv.some((arg) => typeof arg !== 'string'))
  ) {
    throw new InvalidOptionError('execArgv', 'an array of strings', execArgv);
  }
  if (options.onChildExit !== undefined && typeof options.onChildExit !== 'function') {
    throw new InvalidOptionError('onChildExit', 'a function', options.onChildExit);
  }
  const closeTimeout = optionalTimeout('closeTimeout', options.closeTimeout) ?? 30_000;
  return {
    mode,
    maxChildren,
    minSpareChildren:
      optionalInteger('minSpareChildren', options.minSpareChildren, 0, maxChildren) ?? 1,
    maxRequestsPerChild:
      optionalInteger('maxRequestsPerChild', options.maxRequestsPerChild, 1) ??
      Number.POSITIVE_INFINITY,
    idleTimeout: optionalTimeout('idleTimeout', options.idleTimeout) ?? 30_000,
    blockOnClose: optionalBoolean('blockOnClose', options.blockOnClose) ?? true,
    closeTimeout,
    runner: { exitAfterRequest: mode === 'per-request', transfer, execArgv, closeTimeout },
    onChildExit:
      options.onChildExit ??
      ((child, reason) =>
        process.emitWarning(
          `sockserve: ${child} ${reason}; its request failed${mode === 'pool' ? ' and it will be replaced' : ''}`,
          { code: 'SOCKSERVE_CHILD_EXIT' },
        )),
  };
}

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
    maxPerRunner: 1,
    idleTimeout: options.idleTimeout,
    recycleAfter: perRequest ? 1 : options.maxRequestsPerChild,
  };
}
