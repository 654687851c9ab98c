/**
 * Concurrency strategies by name, as the bench's command line gives them: the umbrella's one
 * strategy registry (`STRATEGIES` of `sockserve`), so a newly registered strategy is
 * benchmarkable with no edit here.
 */
import type { ConcurrencyStrategy } from '@sockserve/core';
import { findStrategy, STRATEGIES, type StrategyName } from 'sockserve';

export type { StrategyName };

/** The strategy names `--strategy` takes. */
export const STRATEGY_NAMES: readonly StrategyName[] = STRATEGIES.map((entry) => entry.name);

/** `ForkingStrategy` modes: a pool of child processes, or one child per request (Python's ForkingMixIn). */
export const FORKING_MODES = ['pool', 'per-request'] as const;
export type ForkingMode = (typeof FORKING_MODES)[number];

/** How to build a strategy. */
export interface StrategyChoice {
  readonly name: StrategyName;
  /** Worker threads / child processes (threading, forking); the strategy's default when undefined. */
  readonly workers: number | undefined;
  readonly forkingMode: ForkingMode;
  /** Forking: `minSpareChildren` (idle children kept ready); the strategy's default when undefined. */
  readonly minSpare?: number | undefined;
  /** Forking: `acceptIn` (`'children'`: spares accept from the listening socket); the default when undefined. */
  readonly acceptIn?: 'server' | 'children' | undefined;
}

/**
 * Builds the strategy named by `choice`. Bench tuning on top of the registry: the thread pool
 * is started whole up front (no warm-up in the figures), forking takes `--forking-mode`.
 */
export function createStrategy(choice: StrategyChoice): Promise<ConcurrencyStrategy> {
  const { name, workers } = choice;
  const entry = findStrategy(name);
  if (entry === undefined) throw new Error(`unknown strategy ${JSON.stringify(name)}`);
  const options: Record<string, unknown> =
    name === 'threading' && workers !== undefined
      ? { minWorkers: workers }
      : name === 'forking'
        ? {
            mode: choice.forkingMode,
            ...(choice.minSpare === undefined ? {} : { minSpareChildren: choice.minSpare }),
            ...(choice.acceptIn === undefined ? {} : { acceptIn: choice.acceptIn }),
          }
        : {};
  return entry.create({ ...(workers === undefined ? {} : { count: workers }), options });
}
