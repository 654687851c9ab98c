/**
 * The options every strategy that runs handlers in other threads or processes takes
 * (threading and forking), declared once: the idle timeout of its pool, when it grows, Python's
 * `block_on_close`, how connections reach a runner, their close timeout, the runners'
 * Node options, and the crash-loop back-off.
 */
import { choiceOption, customOption, durationOption } from '../options/option.js';
import { defineOptions } from '../options/option-set.js';
import { BLOCK_ON_CLOSE, CLOSE_TIMEOUT, idleTimeoutOption } from '../options/shared-options.js';

/** `transfer`: whether accepted stream sockets move to the runner or their bytes are relayed. */
export const TRANSFER = choiceOption(['auto', 'relay'], {
  default: 'auto',
  doc: "`'auto'`: hand each accepted stream socket to the worker or child where Node can (a worker takes TCP sockets, on a Node that can move them); `'relay'`: always relay their bytes",
});

/** `execArgv`: the Node options runners start with. */
export const EXEC_ARGV = customOption<readonly string[]>({
  defaultText: "this process's `execArgv` without inspector flags (`--inspect*`)",
  doc: "Node options for the workers or children, e.g. `['--max-old-space-size=64']`; `['--inspect=127.0.0.1:0']` to debug them",
  expected: 'an array of strings',
  invalidSample: '--inspect',
  accepts: (value) => Array.isArray(value) && value.every((arg) => typeof arg === 'string'),
});

/** `crashBackoff`: how long a client whose requests keep crashing runners is refused. */
export const CRASH_BACKOFF = durationOption({
  default: 1000,
  doc: 'ms a client is refused after its requests crashed workers or children 5 times in a row (then its requests run one at a time until one succeeds); after 5 crashes in a row outside any request (the handler module, a timer of it), at most one worker or child starts per this many ms. `0`: no back-off',
});

/** `crashResetAfter`: when a row of crashes is forgotten. */
export const CRASH_RESET_AFTER = durationOption({
  default: 10_000,
  doc: 'ms without a crash after which a row of crashes (of a client, or outside any request) starts again from zero',
});

/**
 * `growAfter`: how long requests find every runner busy before the pool starts one more
 * (issue 19, `pool-growth.ts`).
 */
export const GROW_AFTER = customOption<'startup' | number>({
  default: 'startup',
  doc: "ms every runner has been busy before the pool starts one more beyond its floor (`minWorkers` / `minSpareChildren`, at least one; replacements never wait); requests queue meanwhile. `'startup'`: the median time the pool's own last runners took from start to handler loaded (Apache's spawn rate, Net::Server's idea: a start-up pays off only when requests would wait longer than it takes). `0`: start one at once, whenever every runner is busy (the behaviour before)",
  expected: "'startup' or a number of milliseconds >= 0",
  invalidSample: 'soon',
  accepts: (value) =>
    value === 'startup' || (typeof value === 'number' && Number.isFinite(value) && value >= 0),
});

/** The shared options of a remote strategy called `where`; `idleDoc` says what idles out. */
export function remoteStrategyOptions(where: string, idleDoc: string) {
  return defineOptions(where, {
    idleTimeout: idleTimeoutOption(idleDoc),
    blockOnClose: BLOCK_ON_CLOSE,
    transfer: TRANSFER,
    closeTimeout: CLOSE_TIMEOUT,
    execArgv: EXEC_ARGV,
    crashBackoff: CRASH_BACKOFF,
    crashResetAfter: CRASH_RESET_AFTER,
    growAfter: GROW_AFTER,
  });
}
