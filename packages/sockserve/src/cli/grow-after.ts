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

/**
 * The longest wait taken: the largest whole number a JavaScript number holds exactly (what
 * `Number.isSafeInteger` checks). The library takes any wait (core's `pool-growth.ts` arms one
 * longer than Node's timers allow, 2^31 − 1 ms, in steps), so the flag no longer stops at
 * 2147483647 (~24.8 days); a longer digit string would be rounded by `Number()` and is refused.
 */
const MAX_GROW_AFTER_MS = Number.MAX_SAFE_INTEGER;

/** `startup`, or a whole number of ms; checked by core's declaration too. */
function parseGrowAfter(text: string): 'startup' | number {
  if (text === 'startup') return GROW_AFTER.resolve('--grow-after', text);
  const ms = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (Number.isSafeInteger(ms)) return GROW_AFTER.resolve('--grow-after', ms);
  throw new UsageError(
    `--grow-after ${JSON.stringify(text)}: expected startup or a whole number of milliseconds (0 to ${MAX_GROW_AFTER_MS})`,
  );
}
