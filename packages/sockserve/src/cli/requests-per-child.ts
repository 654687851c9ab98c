/**
 * `--requests-per-child N`: forking's `maxConcurrentPerChild`, the requests one child runs at
 * once (threading's `maxRequestsPerWorker`). Only with `--processes N`, where the command
 * defaults to {@link DEFAULT_REQUESTS_PER_CHILD} — not the library's 1 (Python's one request
 * per child): with one request per child, N clients that trickle their request (a slowloris)
 * held all N children until the minimum read rate cut them, and everyone else waited.
 */
import { isPerRequest } from './forking-mode.js';
import { parseCount, type StrategyChoice } from './strategy.js';
import { UsageError } from './usage-error.js';

/**
 * The command's default under `--processes`: four times `--max-per-client`'s default (64), so
 * one client address can fill at most a quarter of one child; well under threading's 1024 per
 * worker, since a child that dies fails every request it holds.
 */
export const DEFAULT_REQUESTS_PER_CHILD = 256;

/** `choice` with `maxConcurrentPerChild` set under `--processes`; a UsageError when the flag doesn't fit. */
export function withRequestsPerChild(
  choice: StrategyChoice,
  text: string | undefined,
): StrategyChoice {
  // `--fork per-request`: one request per child, no default (an explicit flag was refused there).
  const forking = choice.name === 'forking' && choice.count !== undefined;
  if (forking && isPerRequest(choice)) return choice;
  if (!forking) {
    if (text === undefined) return choice;
    throw new UsageError(
      '--requests-per-child sets how many requests a child process runs at once: use it with --processes N',
    );
  }
  const perChild =
    text === undefined ? DEFAULT_REQUESTS_PER_CHILD : parseCount('--requests-per-child', text);
  return { ...choice, options: { ...choice.options, maxConcurrentPerChild: perChild } };
}
