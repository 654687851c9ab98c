/**
 * What a runner's death means for each job it held: a request it ran failed (`RunnerExitError`,
 * through `handleError`); a connection still waiting there for its first bytes, or for a
 * handler slot (`slot-wait`), was never served (`WaitingConnectionLostError`: ended as refused,
 * see `RequestUnservedError`).
 */
import type { PooledRunner } from './pooled-runner.js';
import { RunnerExitError, WaitingConnectionLostError } from './remote-error.js';

/** The error job `id` of `pooled` ends with; `died`: `worker 2 exited with code 3`. */
export function lostWith(pooled: PooledRunner, id: number, died: string): Error {
  if (pooled.waiting.has(id))
    return new WaitingConnectionLostError(
      `${died} while this connection waited for its first bytes`,
    );
  if (pooled.slotWaiting.has(id))
    return new WaitingConnectionLostError(
      `${died} while this request waited for a handler slot there`,
    );
  return new RunnerExitError(`${died} while running this request`);
}
