/**
 * A runner as the `RunnerPool` keeps it: the requests in flight on it (`RunnerJob`s) and
 * its bookkeeping (requests served, retiring, announced exit, loaded).
 */
import type { SocketAddress } from '../address.js';
import type { FromRunner } from './protocol.js';
import { crashKey } from './restart-policy.js';
import type { Runner } from './runner.js';

/** A request in flight on a runner. */
export interface RunnerJob {
  /** A message about this request. */
  receive(message: FromRunner): void;
  /** The runner died or was stopped before the request finished. */
  fail(error: Error): void;
  /** Its client, to blame it for a crash (see `restart-policy.ts`). */
  readonly clientAddress?: SocketAddress;
}

/** One runner with its bookkeeping. */
export class PooledRunner {
  readonly runner: Runner;
  readonly ready: Promise<void>;
  readonly jobs = new Map<number, RunnerJob>();
  /**
   * Jobs in `jobs` that are silent connections waiting here for their first bytes (issue 20,
   * `first-bytes-in-runner.ts`): they keep the runner alive but take none of its
   * `maxPerRunner` slots until it says their handler started.
   */
  readonly waiting = new Set<number>();
  /**
   * Jobs that spoke (or were sent as requests) but wait on the runner for a handler slot
   * (`slot-wait`, `runner-slots.ts`): no handler ran for them yet, so its death leaves them
   * unserved and blames none of their clients.
   */
  readonly slotWaiting = new Set<number>();
  served = 0;
  retiring = false;
  /** The job whose count retired it (`recycleAfter`): withdrawing that job undoes the recycle. */
  recycledBy: number | undefined;
  /** It announced its exit: never handed another request. */
  dead = false;
  /** It loaded the handler (`ready`). */
  loaded = false;
  /** The requests it had started when it announced its exit (the suspects of its crash). */
  running: ReadonlySet<number> | undefined;
  idleTimer: NodeJS.Timeout | undefined;

  constructor(runner: Runner, ready: Promise<void>) {
    this.runner = runner;
    this.ready = ready;
  }
}

/** Jobs taking a slot on `r`: its requests in flight, less the silent connections waiting there. */
export function slotsTaken(r: PooledRunner): number {
  return r.jobs.size - r.waiting.size;
}

/** The crash key of a job's client (undefined: none). */
export function clientOf(job: RunnerJob): string | undefined {
  return job.clientAddress === undefined ? undefined : crashKey(job.clientAddress);
}
