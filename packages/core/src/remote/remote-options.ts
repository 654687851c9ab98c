/**
 * The options every strategy that runs handlers in other threads or processes takes
 * (threading and forking), declared once: the idle timeout of its pool, Python's
 * `block_on_close`, how connections reach a runner, and their close timeout.
 */
import { choiceOption } from '../options/option.js';
import { defineOptions } from '../options/option-set.js';
import { BLOCK_ON_CLOSE, CLOSE_TIMEOUT, idleTimeoutOption } from '../options/shared-options.js';

/** `transfer`: whether accepted stream sockets move to the runner or their bytes are relayed. */
export const TRANSFER = choiceOption(['auto', 'relay'], {
  default: 'auto',
  doc: "`'auto'`: hand each accepted stream socket to the worker or child where Node can (a worker takes TCP sockets, on a Node that can move them); `'relay'`: always relay their bytes",
});

/** The shared options of a remote strategy called `where`; `idleDoc` says what idles out. */
export function remoteStrategyOptions(where: string, idleDoc: string) {
  return defineOptions(where, {
    idleTimeout: idleTimeoutOption(idleDoc),
    blockOnClose: BLOCK_ON_CLOSE,
    transfer: TRANSFER,
    closeTimeout: CLOSE_TIMEOUT,
  });
}
