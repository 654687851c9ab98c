/**
 * The last phase of `serverClose()`: wait for the strategy's running requests (as its
 * `blockOnClose` says) at most `timeout` ms, then cut what is left — in-process requests by
 * aborting their handlers' signals (their connections close), requests in workers or
 * children by stopping those without waiting.
 */
import type { ConcurrencyStrategy } from './strategy.js';

/** Closes `strategy`; `cutInProcess` aborts this process's running requests. Returns how many were cut. */
export async function closeStrategy(
  strategy: ConcurrencyStrategy<never>,
  wait: boolean,
  timeout: number | null,
  cutInProcess: () => number,
): Promise<{ cut: number }> {
  const before = strategy.active;
  const closing = strategy.close({ wait });
  if (!wait || timeout === null) {
    await closing;
    // A strategy that doesn't block on close leaves its requests running: not cut, not waited for.
    return { cut: 0 };
  }
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'expired'>((resolve) => {
    timer = setTimeout(() => resolve('expired'), timeout);
  });
  const outcome = await Promise.race([closing.then(() => 'closed' as const), expired]);
  clearTimeout(timer);
  if (outcome === 'closed') return { cut: 0 };
  const cut = Math.min(before, strategy.active);
  cutInProcess();
  await strategy.close({ wait: false });
  await closing;
  return { cut };
}
