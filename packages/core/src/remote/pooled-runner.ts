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
  served = 0;
  retiring = false;
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

/** The crash key of a job's client (undefined: none). */
export function clientOf(job: RunnerJob): string | undefined {
  return job.clientAddress === undefined ? undefined : crashKey(job.clientAddress);
}
