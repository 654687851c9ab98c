/**
 * The concurrency strategies the umbrella knows, registered once: name, command-line flag,
 * help line and how to build one. The `sockserve` command's flags, its `--help` text and its
 * strategy choice, and the bench's `--strategy`, all come from this list, so a new strategy
 * is its own package plus one entry here. (Python has no registry: `ThreadingMixIn` and
 * `ForkingMixIn` are named in the module's source.) Strategy packages are imported only when
 * a strategy is built.
 */
import { AsyncStrategy, type ConcurrencyStrategy, SequentialStrategy } from '@sockserve/core';

/** What a registered strategy is built from: the pool size and Node options of its runners. */
export interface StrategySettings {
  /** The pool size (`--threads N`, `--processes N`); the strategy's default when undefined. */
  readonly count?: number;
  /** Node options of the worker threads or child processes (`--exec-argv`). */
  readonly execArgv?: readonly string[];
  /** More of the strategy's own options (e.g. `{ mode: 'per-request' }` for forking). */
  readonly options?: Readonly<Record<string, unknown>>;
}

/** One registered concurrency strategy. */
export interface StrategyRegistration {
  /** Its name: the command's choice and the bench's `--strategy` value. */
  readonly name: string;
  /** Its command-line flag (`--threads`); none for the default strategy. */
  readonly flag?: string;
  /** The flag takes the pool size (`--threads N`); otherwise it is a switch (`--async`). */
  readonly takesCount: boolean;
  /** Handlers run in worker threads or child processes: `--exec-argv` applies, the handler must be importable there. */
  readonly remote: boolean;
  /** What the flag does, for `--help` (one line). */
  readonly summary: string;
  /** Builds the strategy (importing its package on first use). */
  create<TRequest>(settings?: StrategySettings): Promise<ConcurrencyStrategy<TRequest>>;
}

/** `{ [name]: value }` when `value` is given, else nothing (exactOptionalPropertyTypes). */
function given(name: string, value: unknown): Record<string, unknown> {
  return value === undefined ? {} : { [name]: value };
}

/** A strategy class that takes an options bag (the runner strategies). */
type StrategyClass = new (options: Record<string, unknown>) => ConcurrencyStrategy<unknown>;

/**
 * The factory of a strategy that runs handlers in runners: `count` becomes its pool-size
 * option (`maxWorkers`, `maxChildren`), `execArgv` its runners' Node options. `load` imports
 * the strategy's package on first use.
 */
function inRunners(countOption: string, load: () => Promise<StrategyClass>) {
  return async <TRequest>(
    settings: StrategySettings = {},
  ): Promise<ConcurrencyStrategy<TRequest>> => {
    const Strategy = await load();
    return new Strategy({
      ...given(countOption, settings.count),
      ...given('execArgv', settings.execArgv),
      ...settings.options,
    }) as ConcurrencyStrategy<TRequest>;
  };
}

/**
 * Every strategy, the default first. Python's synchronous default, the event loop, worker
 * threads (`ThreadingMixIn`) and child processes (`ForkingMixIn`).
 */
export const STRATEGIES = [
  {
    name: 'sequential',
    takesCount: false,
    remote: false,
    summary: "one request at a time (Python's default)",
    create: async <TRequest>() => new SequentialStrategy<TRequest>(),
  },
  {
    name: 'async',
    flag: '--async',
    takesCount: false,
    remote: false,
    summary: 'many requests at once on the event loop (AsyncStrategy)',
    create: async <TRequest>(settings: StrategySettings = {}) =>
      new AsyncStrategy<TRequest>({ ...settings.options }),
  },
  {
    name: 'threading',
    flag: '--threads',
    takesCount: true,
    remote: true,
    summary: 'handlers in at most N worker threads (ThreadingMixIn)',
    create: inRunners(
      'maxWorkers',
      async () => (await import('@sockserve/threading')).ThreadingStrategy,
    ),
  },
  {
    name: 'forking',
    flag: '--processes',
    takesCount: true,
    remote: true,
    summary: 'handlers in at most N child processes (ForkingMixIn)',
    create: inRunners(
      'maxChildren',
      async () => (await import('@sockserve/forking')).ForkingStrategy,
    ),
  },
] as const satisfies readonly StrategyRegistration[];

/** A registered strategy's name. */
export type StrategyName = (typeof STRATEGIES)[number]['name'];

/** The registered strategy named `name`; undefined for an unknown name. */
export function findStrategy(name: string): StrategyRegistration | undefined {
  return STRATEGIES.find((entry) => entry.name === name);
}
