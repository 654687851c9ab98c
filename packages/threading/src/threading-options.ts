/**
 * The threading options, declared once: what `new ThreadingStrategy(options)` and a
 * `ThreadingMixIn` server take (Python's `ThreadingMixIn` attributes and the pool's).
 */
import { availableParallelism } from 'node:os';
import type { ResourceLimits } from 'node:worker_threads';
import {
  atMost,
  booleanOption,
  customOption,
  defineOptions,
  functionOption,
  integerOption,
  type OptionsInput,
} from '@sockserve/core/kit';
import { remoteStrategyOptions } from '@sockserve/core/remote';

/** The declarations of {@link ThreadingOptions}. */
export const THREADING_OPTIONS = defineOptions(
  'ThreadingStrategy',
  {
    maxWorkers: integerOption({
      min: 1,
      default: availableParallelism,
      defaultText: '`os.availableParallelism()`',
      doc: 'worker threads at most',
    }),
    minWorkers: integerOption({
      min: 0,
      default: 1,
      doc: "workers started up front and kept when idle (at least one is started, so a handler that can't load fails at start-up); at most `maxWorkers`",
    }),
    minSpareWorkers: integerOption({
      min: 0,
      default: 0,
      doc: 'workers running no request kept ready ahead of demand, started in the background as requests reach them (as `minSpareChildren` does for forking), within `maxWorkers`; 0: a worker starts when a request finds every worker busy',
    }),
    maxSpareWorkers: integerOption({
      min: 0,
      default: Number.POSITIVE_INFINITY,
      defaultText: 'no limit',
      doc: 'workers running no request above this retire at once; without it only `idleTimeout` trims them. At least `minSpareWorkers`',
    }),
    maxRequestsPerWorker: integerOption({
      min: 1,
      default: 1024,
      doc: "requests one worker runs at once (async handlers interleave); the pool's bound is `maxWorkers × maxRequestsPerWorker`",
    }),
    daemonThreads: booleanOption({
      default: false,
      doc: "Python's `daemon_threads`: `serverClose()` doesn't wait for running handlers: they are cut (counted `cut`)",
    }),
    resourceLimits: customOption<ResourceLimits>({
      doc: 'per-worker memory limits (`worker_threads` `resourceLimits`)',
      expected: 'an object of worker_threads resource limits',
      invalidSample: 64,
      accepts: (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
    }),
    workerData: customOption<unknown>({
      doc: 'data every worker gets, read by handlers with `sharedWorkerData()`: cloned, except `SharedArrayBuffer`s, which are shared',
      expected: 'a value worker threads can clone (not a function)',
      invalidSample: () => {},
      accepts: (value) => typeof value !== 'function' && typeof value !== 'symbol',
    }),
    onWorkerExit: functionOption<(worker: string, reason: string) => void>({
      defaultText: 'a process warning',
      doc: '`(worker, reason) => void`, told when a worker dies (a crash, `process.exit()` in handler code, out of memory); its requests fail through `handleError` (connections still waiting there for their first bytes end unserved, counted `refused`)',
    }),
  },
  atMost('minWorkers', 'maxWorkers'),
  atMost('minSpareWorkers', 'maxWorkers'),
  atMost('minSpareWorkers', 'maxSpareWorkers'),
).with(
  'ThreadingStrategy',
  remoteStrategyOptions('ThreadingStrategy', 'ms before an idle worker above `minWorkers` retires'),
);

/** Options of `ThreadingStrategy` and of `ThreadingMixIn` servers; see {@link THREADING_OPTIONS}. */
export type ThreadingOptions = OptionsInput<(typeof THREADING_OPTIONS)['specs']>;
