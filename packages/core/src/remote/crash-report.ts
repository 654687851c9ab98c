/**
 * How a remote strategy reports a crash loop backing off: one line to the server's `logger`
 * (`warn`, pino's convention: fields first) or, without one, a process warning (code
 * `SOCKSERVE_CRASH_BACKOFF`); and the `sockserve:client.backoff` / `sockserve:runner.backoff`
 * diagnostics channels. The crash itself is reported as before (`onWorkerExit` /
 * `onChildExit`, a warning by default); this line says what sockserve does about it.
 */
import { channels, publish } from '../diagnostics.js';
import type { StrategyHost } from '../strategy.js';
import type { BackoffNotice } from './restart-policy.js';

/** Reports `notice`, raised by the crash of `runner` (`worker 3`, `child 4711`). @internal */
export function reportBackoff(
  strategy: string,
  host: StrategyHost,
  notice: BackoffNotice,
  runner: string,
): void {
  const runners = runner.startsWith('child') ? 'children' : 'workers';
  const delay = formatDelay(notice.delayMs);
  let message: string;
  if (notice.kind === 'client') {
    const { client, crashes, delayMs, refused } = notice;
    message =
      `sockserve: client ${client} backs off: its requests crashed ${crashes} ${runners} in a row (${runner} last); ` +
      `its requests are refused for ${delay}, then run one at a time until one succeeds` +
      (refused > 0 ? ` (${refused} refused since the last notice)` : '');
    publish(channels.clientBackoff, () => ({
      server: host,
      strategy,
      runner,
      client,
      crashes,
      delayMs,
      refused,
    }));
    warn(host, { strategy, runner, client, crashes, delayMs, refused }, message);
  } else {
    const { crashes, delayMs, windowMs } = notice;
    message =
      `sockserve: ${crashes} ${runners} in a row died outside any request (${runner} last): ` +
      `at most one starts per ${formatDelay(windowMs)}, the next in ${delay}`;
    publish(channels.runnerBackoff, () => ({
      server: host,
      strategy,
      runner,
      crashes,
      delayMs,
      windowMs,
    }));
    warn(host, { strategy, runner, crashes, delayMs, windowMs }, message);
  }
}

function warn(host: StrategyHost, fields: object, message: string): void {
  const logger = host.logger;
  if (logger?.warn !== undefined) logger.warn(fields, message);
  else process.emitWarning(message, { code: 'SOCKSERVE_CRASH_BACKOFF' });
}

/** `800 ms`, `1 s`, `2.5 s`. */
function formatDelay(ms: number): string {
  const rounded = Math.ceil(ms);
  return rounded < 1000 ? `${rounded} ms` : `${Math.round(rounded / 100) / 10} s`;
}
