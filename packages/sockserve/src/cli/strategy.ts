/**
 * The strategy flags (`--async`, `--threads N`, `--processes N`, `--exec-argv`), their help
 * lines and the strategy they build — all from the umbrella's one strategy registry
 * ({@link STRATEGIES}), so a new strategy needs no edit here. Strategy packages are imported
 * only when asked for.
 */
import type { ConcurrencyStrategy } from '@sockserve/core';
import { findStrategy, STRATEGIES, type StrategyName } from '../strategies.js';
import { UsageError } from './usage-error.js';

/** How requests run: a registered strategy, its pool size and its runners' Node options. */
export interface StrategyChoice {
  /** The registered strategy (Python's default `sequential`, `async`, `threading`, `forking`, …). */
  readonly name: StrategyName;
  /** N of `--threads N` / `--processes N`. */
  readonly count?: number;
  /** `--exec-argv`, split on spaces. */
  readonly execArgv?: readonly string[];
  /** The strategy's own options from its flags (`--min-spare N`: `minSpareChildren`). */
  readonly options?: Readonly<Record<string, unknown>>;
}

/** The registered strategies that have a flag, in registry order. */
const FLAGGED = STRATEGIES.filter(
  (entry): entry is Extract<(typeof STRATEGIES)[number], { flag: string }> => 'flag' in entry,
);

/** `parseArgs` option declarations of every strategy flag, without the leading `--`. */
export const STRATEGY_FLAGS: Readonly<Record<string, { readonly type: 'string' | 'boolean' }>> =
  Object.fromEntries(
    FLAGGED.map((entry) => [
      entry.flag.slice(2),
      { type: entry.takesCount ? 'string' : 'boolean' },
    ]),
  );

/** The `--help` lines of the strategy flags: `  --threads N            what it does`. */
export function strategyHelpLines(): string {
  return FLAGGED.map((entry) => {
    const usage = entry.takesCount ? `${entry.flag} N` : entry.flag;
    return `  ${usage.padEnd(23)}${entry.summary}`;
  }).join('\n');
}

/**
 * The strategy the parsed flags ask for (at most one; the registry's first entry, Python's
 * default, when none), with `--exec-argv` for strategies that run handlers in runners.
 */
export function parseStrategy(
  values: Readonly<Record<string, unknown>>,
  execArgvText: string | undefined,
): StrategyChoice {
  const given = FLAGGED.filter((entry) => {
    const value = values[entry.flag.slice(2)];
    return value !== undefined && value !== false;
  });
  if (given.length > 1) {
    throw new UsageError(`choose one of ${given.map((entry) => entry.flag).join(', ')}`);
  }
  const chosen = given[0];
  if (execArgvText !== undefined && chosen?.remote !== true) {
    throw new UsageError(
      `--exec-argv sets Node options of workers and children: use it with ${remoteFlags()}`,
    );
  }
  if (chosen === undefined) return { name: STRATEGIES[0].name };
  const text = values[chosen.flag.slice(2)];
  return {
    name: chosen.name,
    ...(chosen.takesCount ? { count: parseCount(chosen.flag, String(text)) } : {}),
    ...(execArgvText === undefined
      ? {}
      : { execArgv: execArgvText.split(/\s+/).filter((arg) => arg !== '') }),
  };
}

/** A count flag (`--threads N`, `--workers N`): a whole number of at least 1, else a UsageError naming the flag. */
export function parseCount(option: string, text: string): number {
  const count = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(count) || count < 1) {
    throw new UsageError(
      `${option} ${JSON.stringify(text)}: expected a whole number of at least 1`,
    );
  }
  return count;
}

/** The flags of the strategies that run handlers in runners, for usage errors: `--threads N or --processes N`. */
export function remoteFlags(): string {
  return FLAGGED.filter((entry) => entry.remote)
    .map((entry) => `${entry.flag} N`)
    .join(' or ');
}

/** True when the chosen strategy runs handlers in worker threads or child processes. */
export function isRemoteStrategy(choice: StrategyChoice): boolean {
  return findStrategy(choice.name)?.remote === true;
}

/**
 * Builds the strategy for `choice`: Python's synchronous default, the event loop, `ThreadingMixIn`
 * on at most N worker threads, `ForkingMixIn` on at most N child processes, or whatever else
 * is registered.
 */
export async function createStrategy<TRequest>(
  choice: StrategyChoice,
): Promise<ConcurrencyStrategy<TRequest>> {
  const entry = findStrategy(choice.name);
  if (entry === undefined) throw new UsageError(`unknown strategy ${JSON.stringify(choice.name)}`);
  return entry.create<TRequest>({
    ...(choice.count === undefined ? {} : { count: choice.count }),
    ...(choice.execArgv === undefined ? {} : { execArgv: choice.execArgv }),
    ...(choice.options === undefined ? {} : { options: choice.options }),
  });
}
