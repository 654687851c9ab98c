/**
 * Concurrency strategies by name, as the bench's command line gives them. `forking` comes
 * from `@sockserve/forking`, written separately: it is imported when asked for, and when it
 * can't be, {@link StrategyUnavailableError} says why (the matrix records that and skips).
 */
import { existsSync } from 'node:fs';
import { AsyncStrategy, type ConcurrencyStrategy, SequentialStrategy } from '@sockserve/core';
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
}

/** The strategy can't be built here (a package that doesn't exist yet, …). */
export class StrategyUnavailableError extends Error {
  override readonly name = 'StrategyUnavailableError';
}

/** The shape the bench needs from `@sockserve/forking` (it may not exist yet). */
interface ForkingModule {
  readonly ForkingStrategy: new (options: Record<string, unknown>) => ConcurrencyStrategy;
}

/** Where `@sockserve/forking` may be: the installed package, else the workspace's build. */
const FORKING_CANDIDATES = [
  '@sockserve/forking',
  new URL('../../packages/forking/dist/index.js', import.meta.url).href,
];

/** Imports `@sockserve/forking`, or throws {@link StrategyUnavailableError} saying why not. */
export async function importForking(): Promise<ForkingModule> {
  const reasons: string[] = [];
  for (const specifier of FORKING_CANDIDATES) {
    if (specifier.startsWith('file:') && !existsSync(new URL(specifier))) {
      reasons.push(`${specifier}: not built`);
      continue;
    }
    try {
      const loaded = (await import(specifier)) as Partial<ForkingModule>;
      if (typeof loaded.ForkingStrategy === 'function') return loaded as ForkingModule;
      reasons.push(`${specifier}: has no ForkingStrategy export`);
    } catch (error) {
      reasons.push(`${specifier}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  throw new StrategyUnavailableError(
    `the forking strategy needs @sockserve/forking, which can't be imported (${reasons.join('; ')})`,
  );
}

/** Whether `@sockserve/forking` can be imported; the reason when it can't. */
export async function forkingAvailability(): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    await importForking();
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
}

/** Builds the strategy named by `choice`. */
export async function createStrategy(choice: StrategyChoice): Promise<ConcurrencyStrategy> {
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
    case 'forking': {
      const { ForkingStrategy } = await importForking();
      // The pool's size option: Python's name (max_children) or the threading one.
      const sizes =
        workers === undefined ? [{}] : [{ maxChildren: workers }, { maxWorkers: workers }];
      let lastError: unknown;
      for (const size of sizes) {
        try {
          return new ForkingStrategy({ mode: choice.forkingMode, ...size });
        } catch (error) {
          lastError = error;
        }
      }
      throw lastError;
    }
  }
}
