/**
 * `ForkingStrategy`: Python's `ForkingMixIn` for Node — each request runs in a child process,
 * so a handler that crashes, leaks or computes for long can't take the server down, and
 * requests run in parallel on every core. Node can't `fork()`: starting a Node child costs
 * 40–80 ms where Python's fork costs ~1 ms. Hence two modes:
 *
 * - `'per-request'`: Python's semantics — a child per request, at most `maxChildren` at
 *   once (later requests wait for one to exit); a child exits with status 0 when its handler
 *   succeeded and 1 when it raised. `minSpareChildren` children wait ready ahead of demand,
 *   so a request takes a started child (a socket hand-off, ~0.5 ms) instead of waiting for
 *   one to start; spares are topped up in the background as requests take them.
 * - `'pool'` (the default, for throughput; Perl's Net::Server::PreFork): children are started
 *   up front and reused, one request at a time each (`maxConcurrentPerChild` at a time when
 *   set above 1, as a threading worker runs several); `minSpareChildren` idle ones are kept
 *   ahead of demand, those above `maxSpareChildren` exit at once and those above
 *   `minSpareChildren` after `idleTimeout`; recycled after `maxRequestsPerChild`; one that
 *   dies is replaced.
 *
 * With `acceptIn: 'children'` (per-request mode with spares) the ready spares accept from the
 * server's listening socket themselves, one connection each (`accept-in-children.ts`).
 *
 * Stream sockets go to the child as real handles; datagrams go as messages and the replies
 * leave from the server's own socket. Built on `RemoteStrategy` from `@sockserve/core/remote`,
 * as `@sockserve/threading` is.
 */
import { InvalidOptionError, type RequestJob, type StrategyHost } from '@sockserve/core';
import { optionalInteger } from '@sockserve/core/kit';
import { RemoteStrategy, type RunnerPool } from '@sockserve/core/remote';
import { assertChildrenCanAccept, ChildrenAccept } from './accept-in-children.js';
import { ChildHeldConnection } from './child-held-connection.js';
import { type ChildExit, ChildRunner } from './child-runner.js';
import { ChildSet } from './child-set.js';
import {
  type ForkingMode,
  type ForkingOptions,
  poolOptions,
  resolveForkingOptions,
} from './forking-options.js';

/** Options of `collectChildren()`: Python's `collect_children(*, blocking=False)`. */
export interface CollectChildrenOptions {
  /** Wait until every child that is ending (per-request: every child with a request) exited. */
  readonly blocking?: boolean;
}

/** Python's `ForkingMixIn` as a strategy: handlers in child processes; see the module comment. */
export class ForkingStrategy<TRequest = unknown> extends RemoteStrategy<TRequest> {
  /** `'pool'` or `'per-request'`. */
  readonly mode: ForkingMode;
  readonly #limit: { maxChildren: number };
  /** `'children'`: ready spares accept connections themselves (see `accept-in-children.ts`). */
  readonly acceptIn: 'server' | 'children';
  readonly #children: ChildSet;
  readonly #accept: ChildrenAccept | undefined;

  constructor(options: ForkingOptions = {}) {
    const resolved = resolveForkingOptions(options);
    const children = new ChildSet();
    const limit = { maxChildren: resolved.maxChildren };
    let pool = (): RunnerPool | undefined => undefined;
    const accept =
      resolved.acceptIn === 'children' ? new ChildrenAccept(children, () => pool()) : undefined;
    const runner = { ...resolved.runner, accept };
    super({
      name: 'forking',
      factory: (init) =>
        children.add(new ChildRunner(init, runner, (child, exit) => children.changed(child, exit))),
      pool: poolOptions(resolved, limit),
      closeTimeout: resolved.closeTimeout,
      onCrash: resolved.onChildExit,
    });
    pool = () => this.runnerPool;
    this.mode = resolved.mode;
    this.acceptIn = resolved.acceptIn;
    this.#accept = accept;
    this.#limit = limit;
    this.#children = children;
    this.blockOnClose = resolved.blockOnClose;
  }

  /**
   * Python's `max_children`: children alive at once, at most — a child still closing its last
   * connection counts, as an unreaped child counts in Python. The shared runner pool keeps that
   * count (the one owner of free slots); a new value is read at its next change (a request
   * finishing, a child exiting) and, through the mixin, when the server starts.
   */
  get maxChildren(): number {
    return this.#limit.maxChildren;
  }

  set maxChildren(value: number) {
    const checked = optionalInteger('maxChildren', value, 1);
    if (checked === undefined)
      throw new InvalidOptionError('maxChildren', 'an integer >= 1', value);
    this.#limit.maxChildren = checked;
  }

  /** Python's `active_children`: the pids of the children alive now. */
  get activeChildren(): number[] {
    return this.#children.pids;
  }

  /**
   * Python's `collect_children()`: resolves with the exits (pid, status) of children that
   * ended since the last call. Node has already reaped them — there are no zombies — so this
   * is bookkeeping. With `blocking`, first waits for every ending child to exit.
   */
  collectChildren(options: CollectChildrenOptions = {}): Promise<ChildExit[]> {
    return this.#children.collect(options.blocking === true);
  }

  override async start(host: StrategyHost): Promise<void> {
    if (this.#accept !== undefined && this.waitForFirstBytes) {
      throw new InvalidOptionError(
        'acceptIn',
        '"server" with waitForFirstBytes (children accept and read the first bytes themselves)',
        this.acceptIn,
      );
    }
    // Before any child starts: what can't apply when children accept is refused first.
    if (this.#accept !== undefined) assertChildrenCanAccept(host);
    await super.start(host);
    if (this.#accept === undefined) return;
    try {
      await this.#accept.start(host);
    } catch (error) {
      await super.close();
      throw error;
    }
  }

  /**
   * With `acceptIn: 'children'`: the server's close began — the children stop accepting.
   * Resolves once every connection they accepted before reached the server's transport
   * (core's close waits for it in every close mode, so those are counted and served, or cut
   * under `daemon`, never lost with a child the close stops). Undefined otherwise.
   */
  stopAccepting(): Promise<void> | undefined {
    if (this.#accept === undefined) return undefined;
    this.#accept.stop();
    return this.#accept.settled();
  }

  /** With `acceptIn: 'children'` a request never waits here: children take connections only as ready spares, within `maxChildren`. */
  override waitForSlot(signal?: AbortSignal): Promise<void> {
    // Once the server stops accepting: until every child closed its copy of the socket.
    if (this.#accept !== undefined) return this.#accept.settled();
    return super.waitForSlot(signal);
  }

  override run(job: RequestJob<TRequest>): Promise<void> {
    const request: unknown = job.request;
    if (request instanceof ChildHeldConnection) {
      request.held.attach(job as RequestJob<unknown>);
      return Promise.resolve();
    }
    return super.run(job);
  }

  override async close(): Promise<void> {
    this.#accept?.stop();
    // How each child stops is the pool's call, by Runner.terminate(why) and detach().
    this.#children.wakeAll();
    await super.close();
  }
}
