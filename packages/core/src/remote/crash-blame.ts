/**
 * Who a runner's crash is blamed on (see `restart-policy.ts`): the clients of the requests it
 * had started. A client blamed 5 times in a row is refused for a while (the strategy asks
 * `RunnerPool.admit`); crashes no request explains delay the pool's next start, and while a
 * start waits the pool offers only the room its serving runners have.
 */
import { clientOf, type PooledRunner, type RunnerJob } from './pooled-runner.js';
import type { BackoffNotice, RestartPolicy } from './restart-policy.js';

/**
 * Blames the crash of `pooled` (its requests `jobs`) on their clients and returns the
 * back-offs it starts; a request it had not started is released instead.
 */
export function blameCrash(
  policy: RestartPolicy,
  pooled: PooledRunner,
  jobs: ReadonlyArray<[number, RunnerJob]>,
): BackoffNotice[] {
  // Blamed: the requests it said it had started; all it held when it died without a word —
  // except silent connections waiting there for their first bytes and requests waiting for a
  // handler slot (`slot-wait`): no handler ran for them.
  const blamed: Array<string | undefined> = [];
  for (const [id, job] of jobs) {
    const unstarted = pooled.waiting.has(id) || pooled.slotWaiting.has(id);
    if (!unstarted && (pooled.running?.has(id) ?? true)) blamed.push(clientOf(job));
    else policy.released(clientOf(job));
  }
  return policy.crashed(blamed);
}
