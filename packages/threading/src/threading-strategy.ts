/**
 * `ThreadingStrategy`: Python's `ThreadingMixIn` for Node — handlers run in a bounded pool of
 * worker threads, so a handler that computes for long doesn't make the server deaf to
 * everyone else. Python starts a thread per request, unbounded; a Node worker costs 17–43 ms
 * and ~10 MiB, so sockserve keeps a pool (idle workers retire) and bounds the requests in
 * flight: at the bound the server stops taking requests (backpressure) instead of growing.
 */
import { availableParallelism } from 'node:os';
import type { ResourceLimits } from 'node:worker_threads';
import {
  InvalidOptionError,
  optionalBoolean,
  optionalInteger,
  optionalTimeout,
  rejectUnknownOptions,
} from '@sockserve/core';
import { RemoteStrategy } from '@sockserve/core/remote';
import { WorkerRunner } from './worker-runner.js';

/** Options of {@link ThreadingStrategy} (and of `ThreadingMixIn` servers). */
export interface ThreadingOptions {
  /** Worker threads at most. Default: `os.availableParallelism()`. */
  readonly maxWorkers?: number;
  /** Workers started up front and kept when idle (at least one is started, so a handler that can't load fails at start-up). Default 1. */
  readonly minWorkers?: number;
  /** An idle worker above `minWorkers` retires after this many ms. Default 30000. */
  readonly idleTimeout?: number;
  /** Requests one worker runs at once (async handlers interleave). The pool's bound is `maxWorkers × maxRequestsPerWorker`. Default 1024. */
  readonly maxRequestsPerWorker?: number;
  /** `serverClose()` doesn't wait for running handlers (Python's `daemon_threads`). Default false. */
  readonly daemonThreads?: boolean;
  /** `serverClose()` waits for running handlers (Python's `block_on_close`). Default true. */
  readonly blockOnClose?: boolean;
  /** Per-worker memory limits (`worker_threads` `resourceLimits`). */
  readonly resourceLimits?: ResourceLimits;
  /** `'auto'`: move accepted TCP sockets into the worker where Node can; `'relay'`: always relay bytes. Default `'auto'`. */
  readonly transfer?: 'auto' | 'relay';
  /** ms a connection moved into a worker may take to flush its last bytes. Default 30000. */
  readonly closeTimeout?: number;
  /** Data every worker gets, read by handlers with `sharedWorkerData()`: cloned, except `SharedArrayBuffer`s, which are shared. */
  readonly workerData?: unknown;
  /** Node options of the workers (e.g. `['--stack-size=2000']`). Default: this process's `execArgv` without inspector flags. */
  readonly execArgv?: readonly string[];
  /** Told when a worker dies (a crash, `process.exit()` in handler code, out of memory); its requests fail through `handleError`. Default: a process warning. */
  readonly onWorkerExit?: (worker: string, reason: string) => void;
}

/** @internal The option names, for servers that take them alongside their own. */
export const THREADING_OPTIONS = [
  'maxWorkers',
  'minWorkers',
  'idleTimeout',
  'maxRequestsPerWorker',
  'daemonThreads',
  'blockOnClose',
  'resourceLimits',
  'transfer',
  'closeTimeout',
  'onWorkerExit',
  'workerData',
  'execArgv',
] as const;

/** Handlers in a pool of worker threads; see the module comment. */
export class ThreadingStrategy<TRequest = unknown> extends RemoteStrategy<TRequest> {
  /** Worker threads at most. */
  readonly maxWorkers: number;

  constructor(options: ThreadingOptions = {}) {
    rejectUnknownOptions('ThreadingStrategy', options, THREADING_OPTIONS);
    const maxWorkers =
      optionalInteger('maxWorkers', options.maxWorkers, 1) ?? availableParallelism();
    const minWorkers = optionalInteger('minWorkers', options.minWorkers, 0, maxWorkers) ?? 1;
    const transfer = options.transfer ?? 'auto';
    if (transfer !== 'auto' && transfer !== 'relay') {
      throw new InvalidOptionError('transfer', '"auto" or "relay"', transfer);
    }
    if (options.onWorkerExit !== undefined && typeof options.onWorkerExit !== 'function') {
      throw new InvalidOptionError('onWorkerExit', 'a function', options.onWorkerExit);
    }
    const { execArgv } = options;
    if (
      execArgv !== undefined &&
      (!Array.isArray(execArgv) || execArgv.some((a) => typeof a !== 'string'))
    ) {
      throw new InvalidOptionError('execArgv', 'an array of strings', execArgv);
    }
    const moveSockets = { enabled: transfer === 'auto' };
    const runnerOptions = {
      resourceLimits: options.resourceLimits,
      transfer,
      shared: options.workerData,
      execArgv,
    };
    super({
      name: 'threading',
      factory: (init, index) => new WorkerRunner(init, index, runnerOptions, moveSockets),
      pool: {
        max: maxWorkers,
        min: minWorkers,
        idleTimeout: optionalTimeout('idleTimeout', options.idleTimeout) ?? 30_000,
        maxPerRunner:
          optionalInteger('maxRequestsPerWorker', options.maxRequestsPerWorker, 1) ?? 1024,
        recycleAfter: Infinity,
      },
      closeTimeout: optionalTimeout('closeTimeout', options.closeTimeout) ?? 30_000,
      onCrash:
        options.onWorkerExit ??
        ((worker, reason) =>
          process.emitWarning(
            `sockserve: ${worker} ${reason}; its requests failed and it will be replaced`,
            {
              code: 'SOCKSERVE_WORKER_EXIT',
            },
          )),
    });
    this.maxWorkers = maxWorkers;
    this.daemon = optionalBoolean('daemonThreads', options.daemonThreads) ?? false;
    this.blockOnClose = optionalBoolean('blockOnClose', options.blockOnClose) ?? true;
  }

  /** Python's `daemon_threads`. */
  get daemonThreads(): boolean {
    return this.daemon;
  }

  set daemonThreads(value: boolean) {
    this.daemon = value;
  }
}
