/**
 * `--min-spare N`, `--max-spare N`: forking's spare children (`minSpareChildren`,
 * `maxSpareChildren`; Net::Server::PreFork's `min_spare_servers` / `max_spare_servers`), idle
 * children kept ready ahead of demand. Only with `--processes N`.
 */
import type { StrategyChoice } from './strategy.js';
import { UsageError } from './usage-error.js';

/** `choice` with the spare flags as forking options; a UsageError naming the flag when they don't fit. */
export function withSpares(
  choice: StrategyChoice,
  min: string | undefined,
  max: string | undefined,
): StrategyChoice {
  if (min === undefined && max === undefined) return choice;
  const option = min === undefined ? '--max-spare' : '--min-spare';
  if (choice.name !== 'forking' || choice.count === undefined) {
    throw new UsageError(`${option} sets spare child processes: use it with --processes N`);
  }
  const minSpare = min === undefined ? undefined : parseSpareCount('--min-spare', min);
  const maxSpare = max === undefined ? undefined : parseSpareCount('--max-spare', max);
  if (minSpare !== undefined && minSpare > choice.count) {
    throw new UsageError(
      `--min-spare ${minSpare}: at most --processes (${choice.count}) children can wait`,
    );
  }
  if (minSpare !== undefined && maxSpare !== undefined && maxSpare < minSpare) {
    throw new UsageError(`--max-spare ${maxSpare}: expected at least --min-spare (${minSpare})`);
  }
  return {
    ...choice,
    options: {
      ...choice.options,
      ...(minSpare === undefined ? {} : { minSpareChildren: minSpare }),
      ...(maxSpare === undefined ? {} : { maxSpareChildren: maxSpare }),
    },
  };
}

function parseSpareCount(option: string, text: string): number {
  const count = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(count)) {
    throw new UsageError(
      `${option} ${JSON.stringify(text)}: expected a whole number of at least 0`,
    );
  }
  return count;
}
