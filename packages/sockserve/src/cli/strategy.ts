/**
 * The concurrency strategy for `--async`, `--threads N` and `--processes N`. Threading and
 * forking (dependencies of this package) are imported only when asked for.
 */
import { AsyncStrategy, type ConcurrencyStrategy } from '@sockserve/core';
import type { StrategyChoice } from './args.js';

/**
 * Builds the strategy for `choice`; `undefined` for sequential (the server's default, Python's
 * synchronous `process_request`). `--threads N` is Python's `ThreadingMixIn` on at most N
 * worker threads; `--processes N` is Python's `ForkingMixIn` on at most N child processes.
 */
export async function createStrategy<TRequest>(
  choice: StrategyChoice,
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
      const { ForkingStrategy } = await import('@sockserve/forking');
      return new ForkingStrategy<TRequest>({
        maxChildren: choice.count,
        ...(choice.execArgv === undefined ? {} : { execArgv: choice.execArgv }),
        ...(choice.minSpare === undefined ? {} : { minSpareChildren: choice.minSpare }),
        ...(choice.maxSpare === undefined ? {} : { maxSpareChildren: choice.maxSpare }),
      });
    }
  }
}
