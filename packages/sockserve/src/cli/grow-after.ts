/**
 * `--grow-after MS|startup`: the runner strategies' `growAfter` (issue 19, core's
 * `pool-growth.ts`) — how long requests find every worker or child busy before the pool starts
 * one more beyond the ones it keeps anyway (`--min-spare` / `--min-threads`, at least one).
 * `startup` (the library's default, so not passed on) waits as long as the pool's own last
 * start-ups took; `0` starts one at once, as before growth was gated. The value is checked
 * against core's declaration of the option ({@link GROW_AFTER}) before anything is bound.
 */
import { GROW_AFTER } from '@sockserve/core/remote';
import { isRemoteStrategy, remoteFlags, type StrategyChoice } from './strategy.js';
import { UsageError } from './usage-error.js';

/** `choice` with `growAfter` set from the flag; a UsageError when the flag or its value doesn't fit. */
export function withGrowAfter(choice: StrategyChoice, text: string | undefined): StrategyChoice {
  if (text === undefined) return choice;
  if (!isRemoteStrategy(choice)) {
    throw new UsageError(
      `--grow-after sets when a busy pool starts another worker or child: use it with ${remoteFlags()}`,
    );
  }
  return { ...choice, options: { ...choice.options, growAfter: parseGrowAfter(text) } };
}

/** The longest delay Node's timers take (a longer one fires after 1 ms). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** `startup`, or a whole number of ms a timer can wait; checked by core's declaration too. */
function parseGrowAfter(text: string): 'startup' | number {
  if (text === 'startup') return GROW_AFTER.resolve('--grow-after', text);
  const ms = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (Number.isSafeInteger(ms) && ms <= MAX_TIMER_MS) return GROW_AFTER.resolve('--grow-after', ms);
  throw new UsageError(
    `--grow-after ${JSON.stringify(text)}: expected startup or a whole number of milliseconds (0 to ${MAX_TIMER_MS})`,
  );
}
