/**
 * One request in the pipeline: the tracker entry the pipeline keeps from `take()` to release,
 * which is also the {@link RequestJob} a strategy runs; and the handler lifecycle helpers.
 */
import type { SocketAddress } from './address.js';
import type { RequestTraceContext } from './diagnostics.js';
import { BaseRequestHandler, DRAIN_REQUEST, type RequestHandlerLike } from './handler.js';
import type { OwnedRun } from './owned-lifecycle.js';
import type { Listed } from './running-requests.js';
import type { RemoteStopper, RequestJob } from './strategy.js';

/**
 * One resolved promise, shared: a synchronous end returns it, and callers compare by identity.
 * A strategy's `run()` returns it only when it has already started the request (its
 * `execute` called synchronously): the pipeline then checks the request's phase at once, so a
 * strategy that starts the job later must return its own promise instead.
 */
export const DONE: Promise<void> = Promise.resolve();

/** What a {@link PipelineRequest} asks its pipeline to do. */
export interface PipelineOwner<TRequest> {
  execute(entry: PipelineRequest<TRequest>): Promise<void>;
  executeElsewhere(entry: PipelineRequest<TRequest>, stopper: RemoteStopper): void;
  settle(entry: PipelineRequest<TRequest>, error?: unknown): Promise<void>;
  executeThen(entry: PipelineRequest<TRequest>, released: () => void): void;
  endOwned(entry: PipelineRequest<TRequest>, error?: unknown): void;
}

/** Where a request is: begun (not yet run), running, ending (its end hooks run), ended. */
export const Phase = { Begun: 0, Running: 1, Ending: 2, Ended: 3 } as const;
/** One of {@link Phase}. */
export type Phase = (typeof Phase)[keyof typeof Phase];

/**
 * What only some requests need — a trace, a start time, a cut, a remote stopper, a deadline —
 * kept apart so that an idle connection's entry does not carry five empty slots (40 B).
 */
class RareFields {
  started = 0;
  cut: Error | undefined = undefined;
  remote: RemoteStopper | undefined = undefined;
  timer: NodeJS.Timeout | undefined = undefined;
  trace: RequestTraceContext | undefined = undefined;
}

const DRAINING = 1;
const OWNED = 2;
const LIFECYCLE_HOLDS = 4;
const MARKED_TURN = 8;

/**
 * One request in the pipeline: the tracker entry, and the job a strategy runs. An idle
 * connection keeps one for its whole life, so it is kept small: the flags share one
 * number and the rarely used fields live in a {@link RareFields} made on first write; its
 * private helper is static (an instance private method would add a brand slot to each).
 */
export class PipelineRequest<TRequest> implements RequestJob<TRequest>, OwnedRun, Listed<TRequest> {
  readonly request: TRequest;
  readonly clientAddress: SocketAddress;
  readonly #pipeline: PipelineOwner<TRequest>;
  phase: Phase = Phase.Begun;
  #flags = 0;
  #rare: RareFields | undefined;
  /** The handler running it here, until the request (or its owned lifecycle) ended. */
  handler: RequestHandlerLike | undefined;
  /**
   * Tells its strategy it is released (resolves what `execute()` returned, or is the callback
   * `executeThen()` was given): when it ended, or when a cut or deadline ended it before its
   * handler did. Call {@link released}, which calls it once.
   */
  release: (() => void) | undefined;
  /** Its place among the pipeline's running requests (`running-requests.ts`). */
  older: PipelineRequest<TRequest> | undefined;
  newer: PipelineRequest<TRequest> | undefined;

  /** The request must drain (the server is closing). */
  get draining(): boolean {
    return (this.#flags & DRAINING) !== 0;
  }
  set draining(on: boolean) {
    this.#flags = on ? this.#flags | DRAINING : this.#flags & ~DRAINING;
  }

  /** Its handler lifecycle ends it by itself (`owned-lifecycle.ts`). */
  get owned(): boolean {
    return (this.#flags & OWNED) !== 0;
  }
  set owned(on: boolean) {
    this.#flags = on ? this.#flags | OWNED : this.#flags & ~OWNED;
  }

  /**
   * An owned lifecycle (`owned-lifecycle.ts`) runs its handler: it reads {@link handler} from
   * here until its own end and clears it then, so the pipeline's end leaves it.
   */
  get lifecycleHolds(): boolean {
    return (this.#flags & LIFECYCLE_HOLDS) !== 0;
  }
  set lifecycleHolds(on: boolean) {
    this.#flags = on ? this.#flags | LIFECYCLE_HOLDS : this.#flags & ~LIFECYCLE_HOLDS;
  }

  /**
   * Handed over in its server's marked frame, and still in that synchronous turn
   * (`marked-turn.ts`): the run-here path takes it and skips its probe of the frame.
   */
  set markedTurn(on: boolean) {
    this.#flags = on ? this.#flags | MARKED_TURN : this.#flags & ~MARKED_TURN;
  }

  /** {@link markedTurn}, cleared: true once at most per hand-over. */
  takeMarkedTurn(): boolean {
    const flags = this.#flags;
    if ((flags & MARKED_TURN) === 0) return false;
    this.#flags = flags & ~MARKED_TURN;
    return true;
  }

  /** performance.now() at begin, only while someone traces request.end (0 otherwise). */
  get started(): number {
    return this.#rare?.started ?? 0;
  }
  set started(at: number) {
    if (at !== 0 || this.#rare !== undefined) PipelineRequest.#rareFields(this).started = at;
  }

  /** Why a close cut it, once it did. */
  get cut(): Error | undefined {
    return this.#rare?.cut;
  }
  set cut(reason: Error | undefined) {
    if (reason !== undefined || this.#rare !== undefined)
      PipelineRequest.#rareFields(this).cut = reason;
  }

  /** The stopper of the runner running it elsewhere. */
  get remote(): RemoteStopper | undefined {
    return this.#rare?.remote;
  }
  set remote(stopper: RemoteStopper | undefined) {
    if (stopper !== undefined || this.#rare !== undefined)
      PipelineRequest.#rareFields(this).remote = stopper;
  }

  /** Its `requestTimeout` timer. */
  get timer(): NodeJS.Timeout | undefined {
    return this.#rare?.timer;
  }
  set timer(timer: NodeJS.Timeout | undefined) {
    if (timer !== undefined || this.#rare !== undefined)
      PipelineRequest.#rareFields(this).timer = timer;
  }

  /** Its `sockserve:request` tracing context, when someone traced it from its begin. */
  get trace(): RequestTraceContext | undefined {
    return this.#rare?.trace;
  }
  set trace(context: RequestTraceContext | undefined) {
    if (context !== undefined || this.#rare !== undefined)
      PipelineRequest.#rareFields(this).trace = context;
  }

  static #rareFields(self: PipelineRequest<unknown>): RareFields {
    if (self.#rare === undefined) self.#rare = new RareFields();
    return self.#rare;
  }

  constructor(pipeline: PipelineOwner<TRequest>, request: TRequest, clientAddress: SocketAddress) {
    this.#pipeline = pipeline;
    this.request = request;
    this.clientAddress = clientAddress;
  }

  execute(): Promise<void> {
    return this.#pipeline.execute(this);
  }

  executeThen(released: () => void): void {
    this.#pipeline.executeThen(this, released);
  }

  /** The strategy may run the next request: calls `release` once. */
  released(): void {
    const release = this.release;
    this.release = undefined;
    release?.();
  }

  /** {@link OwnedRun.endOwned}. */
  endOwned(error?: unknown): void {
    this.#pipeline.endOwned(this, error);
  }

  executeElsewhere(stopper: RemoteStopper): void {
    this.#pipeline.executeElsewhere(this, stopper);
  }

  settle(error?: unknown): Promise<void> {
    return this.#pipeline.settle(this, error);
  }
}

/** Tells a handler the server is draining. */
export function drainHandler(handler: RequestHandlerLike): void {
  if (handler instanceof BaseRequestHandler) handler[DRAIN_REQUEST]();
}

/** Drains after two turns of the event loop (a request begun while closing reads first). */
export function drainLater(handler: RequestHandlerLike): void {
  setImmediate(drainHandler, handler);
}

/**
 * `setup`, `handle`, `finish` (even when `handle` threw; an error of `finish` wins, as in a
 * `finally`). No async function: a request waiting in `handle()` (an idle connection) holds
 * one promise reaction here, not a suspended generator with its registers.
 */
export function runLifecycle(handler: RequestHandlerLike): Promise<void> {
  const setup = handler.setup();
  if (setup !== undefined) return Promise.resolve(setup).then(() => handleAndFinish(handler));
  return handleAndFinish(handler);
}

function handleAndFinish(handler: RequestHandlerLike): Promise<void> {
  let handled: void | Promise<void>;
  try {
    handled = handler.handle();
  } catch (error) {
    return finishAfter(handler, error);
  }
  return Promise.resolve(handled).then(
    () => handler.finish(),
    (error: unknown) => finishAfter(handler, error),
  );
}

/** `finish()` after `handle()` threw `error`, then `error` again (unless `finish` threw its own). */
async function finishAfter(handler: RequestHandlerLike, error: unknown): Promise<never> {
  await handler.finish();
  throw error;
}
