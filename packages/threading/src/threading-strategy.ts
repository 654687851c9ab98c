/**
 * `ThreadingStrategy`: Python's `ThreadingMixIn` for Node — handlers run in a bounded pool of
 * worker threads, so a handler that computes for long doesn't make the server deaf to
 * everyone else. Python starts a thread per request, unbounded; a Node worker costs 17–43 ms
 * and ~10 MiB, so sockserve keeps a pool (idle workers retire) and bounds the requests in
 * flight: at the bound the server stops taking requests (backpressure) instead of growing.
 */
import { Socket } from 'node:net';
import type { StreamRequest } from '@sockserve/core';
import { RemoteStrategy } from '@sockserve/core/remote';
import { socketsTransferable } from './socket-transfer.js';
import { THREADING_OPTIONS, type ThreadingOptions } from './threading-options.js';
import { WorkerRunner } from './worker-runner.js';

/** Handlers in a pool of worker threads; see the module comment. */
export class ThreadingStrategy<TRequest = unknown> extends RemoteStrategy<TRequest> {
  /** Worker threads at most. */
  readonly maxWorkers: number;

  constructor(options: ThreadingOptions = {}) {
    const resolved = THREADING_OPTIONS.resolve(options);
    const moveSockets = { enabled: resolved.transfer === 'auto' };
    const runnerOptions = {
      resourceLimits: resolved.resourceLimits,
      shared: resolved.workerData,
      execArgv: resolved.execArgv,
    };
    super({
      name: 'threading',
      factory: (init, index) => new WorkerRunner(init, index, runnerOptions, moveSockets),
      pool: {
        max: resolved.maxWorkers,
        min: resolved.minWorkers,
        minSpare: resolved.minSpareWorkers,
        maxSpare: resolved.maxSpareWorkers,
        idleTimeout: resolved.idleTimeout,
        maxPerRunner: resolved.maxRequestsPerWorker,
        recycleAfter: Infinity,
        // Requests interleave in a worker: one with room serves now, a starting one in ~140 ms.
        preferLoaded: true,
        crashBackoff: resolved.crashBackoff,
        crashResetAfter: resolved.crashResetAfter,
        growAfter: resolved.growAfter,
      },
      closeTimeout: resolved.closeTimeout,
      // A silent TCP socket moves at once and waits in the worker for its first bytes (issue
      // 20): none of its bytes then crosses the main thread. Node 22 can't move a socket to a
      // worker, nor can any Node a Unix socket: those wait in the main thread and are relayed.
      // Where no socket can ever move, none is offered: the workers then count no slots.
      ...(moveSockets.enabled && socketsTransferable()
        ? {
            movesSilent: (socket: StreamRequest) =>
              moveSockets.enabled && socket instanceof Socket && socket.bytesRead === 0,
          }
        : {}),
      onCrash:
        resolved.onWorkerExit ??
        ((worker, reason) =>
          process.emitWarning(
            `sockserve: ${worker} ${reason}; its requests failed and it will be replaced`,
            { code: 'SOCKSERVE_WORKER_EXIT' },
          )),
    });
    this.maxWorkers = resolved.maxWorkers;
    this.daemon = resolved.daemonThreads;
    this.blockOnClose = resolved.blockOnClose;
  }

  /** Python's `daemon_threads`. */
  get daemonThreads(): boolean {
    return this.daemon;
  }

  set daemonThreads(value: boolean) {
    this.daemon = value;
  }
}
