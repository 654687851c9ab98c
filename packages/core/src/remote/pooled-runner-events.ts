/**
 * What a pooled runner's messages and exit mean: the `ready` promise settles (the handler
 * loaded, could not load, or the runner exited while loading), request messages go to their
 * job, an announced exit marks it dead with the requests it had started, and the pool hears of
 * each through {@link PooledRunnerEvents} (see `runner-pool.ts`).
 */
import { HandlerLoadError } from '../errors.js';
import { PooledRunner } from './pooled-runner.js';
import type { Runner } from './runner.js';

/** What a `RunnerPool` does when one of its runners reports or exits. */
export interface PooledRunnerEvents {
  /** It loaded the handler (`ready`). */
  loaded(): void;
  /** It could not load the handler (`init-error`). */
  loadFailed(): void;
  /** Its handler asked the server to shut down; resolves once it did. */
  shutdown(): Promise<void>;
  /** It announced its exit (`exiting`): hand it no new request. */
  exiting(): void;
  /** It exited; `loadFailed`: it had reported `init-error`. */
  exited(reason: string, expected: boolean, loadFailed: boolean): void;
}

/** Wraps a just-started runner for the pool and listens to it; see the module comment. */
export function watchRunner(runner: Runner, events: PooledRunnerEvents): PooledRunner {
  let settle: { resolve: () => void; reject: (e: Error) => void } | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject };
  });
  ready.catch(() => {});
  const pooled = new PooledRunner(runner, ready);
  let loadFailed = false;
  runner.onMessage((message) => {
    if (message.t === 'ready') {
      pooled.loaded = true;
      settle?.resolve();
      events.loaded();
    } else if (message.t === 'init-error') {
      loadFailed = true;
      // It exits by design: no request goes to it, and it counts against `max` until it did.
      pooled.retiring = true;
      events.loadFailed();
      settle?.reject(
        new HandlerLoadError(`${runner.name} could not load the handler: ${message.error.message}`),
      );
    } else if (message.t === 'shutdown') {
      void events.shutdown().then(() => runner.post({ t: 'shutdown-done', call: message.call }));
    } else if (message.t === 'exiting') {
      pooled.dead = true;
      pooled.running = new Set(message.running);
      events.exiting();
    } else if (message.t === 'slot-wait') pooled.slotWaiting.add(message.id);
    else if (message.t === 'slot-start') pooled.slotWaiting.delete(message.id);
    else if ('id' in message) {
      // A request that waited for a slot may end unstarted (a cut): it waits no more.
      if (pooled.slotWaiting.size > 0 && message.t === 'done')
        pooled.slotWaiting.delete(message.id);
      pooled.jobs.get(message.id)?.receive(message);
    }
  });
  runner.onExit((reason, expected) => {
    settle?.reject(
      new HandlerLoadError(`${runner.name} exited while loading the handler: ${reason}`),
    );
    events.exited(reason, expected, loadFailed);
  });
  return pooled;
}
