/**
 * The concurrency strategy for `--async`, `--threads N` and `--processes N`. Forking is
 * imported only when asked for, so the command works (and says what to install) where
 * `@sockserve/forking` isn't installed.
 */
import { AsyncStrategy, type ConcurrencyStrategy } from '@sockserve/core';
import type { StrategyChoice } from './args.js';
import { UsageError } from './usage-error.js';

/** What the command needs from `@sockserve/forking` (Python's `ForkingMixIn`). */
export interface ForkingModule {
  readonly ForkingStrategy: new (options: {
    maxChildren?: number;
    execArgv?: readonly string[];
  }) => ConcurrencyStrategy<never>;
}

/** Imports `@sockserve/forking`, Python's `ForkingMixIn` (a variable specifier: it is an optional part). */
export function importForking(): Promise<ForkingModule> {
  const specifier = '@sockserve/forking';
  return import(specifier) as Promise<ForkingModule>;
}

/**
 * Builds the strategy for `choice`; `undefined` for sequential (the server's default, Python's
 * synchronous `process_request`). `--threads N` is Python's `ThreadingMixIn` on at most N
 * worker threads; `--processes N` is Python's `ForkingMixIn` on at most N child processes.
 */
export async function createStrategy<TRequest>(
  choice: StrategyChoice,
  loadForking: () => Promise<ForkingModule> = importForking,
): Promise<ConcurrencyStrategy<TRequest> | undefined> {
  switch (choice.kind) {
    case 'sequential':
      return undefined;
    case 'async':
      return new AsyncStrategy<TRequest>();
    case 'threads': {
      const { ThreadingStrategy } = await import('@sockserve/threading');
      return new ThreadingStrategy<TRequest>({
        maxWorkers: choice.count,
        ...(choice.execArgv === undefined ? {} : { execArgv: choice.execArgv }),
      });
    }
    case 'processes': {
      let forking: ForkingModule;
      try {
        forking = await loadForking();
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'ERR_PACKAGE_PATH_NOT_EXPORTED')
          throw error;
        throw new UsageError(
          '--processes needs @sockserve/forking, which is not installed (npm install @sockserve/forking), or use --threads N',
          { cause: error },
        );
      }
      return new forking.ForkingStrategy({
        maxChildren: choice.count,
        ...(choice.execArgv === undefined ? {} : { execArgv: choice.execArgv }),
      }) as ConcurrencyStrategy<TRequest>;
    }
  }
}
