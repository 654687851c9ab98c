/** Concurrency strategies by name, as the bench's command line gives them. */
import { AsyncStrategy, type ConcurrencyStrategy, SequentialStrategy } from '@sockserve/core';
import { ForkingStrategy } from '@sockserve/forking';
import { ThreadingStrategy } from '@sockserve/threading';

/** The strategy names `--strategy` takes. */
export const STRATEGY_NAMES = ['sequential', 'async', 'threading', 'forking'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

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
}

/** Builds the strategy named by `choice`. */
export function createStrategy(choice: StrategyChoice): ConcurrencyStrategy {
  const { name, workers } = choice;
  switch (name) {
    case 'sequential':
      return new SequentialStrategy();
    case 'async':
      return new AsyncStrategy();
    case 'threading':
      return new ThreadingStrategy(
        workers === undefined ? {} : { maxWorkers: workers, minWorkers: workers },
      );
    case 'forking':
      return new ForkingStrategy({
        mode: choice.forkingMode,
        ...(workers === undefined ? {} : { maxChildren: workers }),
        ...(choice.minSpare === undefined ? {} : { minSpareChildren: choice.minSpare }),
      });
  }
}
