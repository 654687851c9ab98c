/**
 * `--min-threads N`: threading's `minWorkers`, the worker threads started before the server
 * listens and kept when idle. Only with `--threads N`, where the command defaults to all N —
 * not the library's 1, which starts the others on demand (issue 20): under a slowloris the
 * second worker started when the slow clients' first bytes came, and the pool, choosing the
 * least-loaded worker, bound a well-behaved client's request to it while it was still loading
 * its handler (profiled: 140 ms of module loading on a quiet machine, longer under load).
 * With every worker loaded before `listening on`, no request waits for a start-up.
 */
import { parseCount, type StrategyChoice } from './strategy.js';
import { UsageError } from './usage-error.js';

/** `choice` with `minWorkers` set under `--threads`; a UsageError when the flag doesn't fit. */
export function withMinThreads(choice: StrategyChoice, text: string | undefined): StrategyChoice {
  const threading = choice.name === 'threading' && choice.count !== undefined;
  if (!threading) {
    if (text === undefined) return choice;
    throw new UsageError(
      '--min-threads sets how many worker threads start before the server listens: use it with --threads N',
    );
  }
  const count = choice.count as number;
  const min = text === undefined ? count : parseCount('--min-threads', text);
  if (min > count) {
    throw new UsageError(`--min-threads ${min}: at most --threads (${count}) workers can start`);
  }
  return { ...choice, options: { ...choice.options, minWorkers: min } };
}
