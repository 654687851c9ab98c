/**
 * The strategy behind `@sockserve/threading` and `@sockserve/forking`: requests run in a pool
 * of runners (worker threads or child processes). Stream sockets move to the runner whole
 * where the runner adapter can move them; otherwise their bytes are relayed. Datagrams go as
 * messages and their replies come back to leave from the server's own socket. A handler's
 * error comes back with its stack and takes the server's error path (`handleError`, then
 * `shutdownRequest`), as an in-process error would: the server's pipeline ends every request,
 * this strategy only carries it to a runner and its outcome back. A close cuts requests one by
 * one by message; a runner is killed only when it ignores that (see `RunnerPool.cut`).
 * Crash loops back off per client, or for the pool when no request explains them (see
 * `restart-policy.ts`); `crash-report.ts` says so. How one request goes to a runner and its
 * outcome comes back: `runner-dispatch.ts`.
 */
import type { SocketAddress } from '../address.js';
import { HandlerLoadError, ServerStateError, UnsupportedError } from '../errors.js';
import { type HandlerSource, handlerLocation, isHandlerClass } from '../handler.js';
import { isDatagramRequest, isStreamRequest } from '../request-kind.js';
import type { CloseMode, ConcurrencyStrategy, RequestJob, StrategyHost } from '../strategy.js';
import type { StreamRequest } from '../transport.js';
import { reportBackoff } from './crash-report.js';
import { FirstBytesHandOver, firstByteDeadline } from './first-bytes-hand-over.js';
import { type HandlerDefaults, readHandlerDefaults } from './handler-defaults.js';
import type { RunnerInit } from './protocol.js';
import { type CrashStats, crashKey } from './restart-policy.js';
import type { RunnerFactory } from './runner.js';
import { runDatagram, runStream } from './runner-dispatch.js';
import { RunnerPool, type RunnerPoolOptions } from './runner-pool.js';

/** How a {@link RemoteStrategy} runs. */
export interface RemoteStrategyConfig {
  /** `threading`, `forking`. */
  readonly name: string;
  readonly factory: RunnerFactory;
  readonly pool: RunnerPoolOptions;
  /** ms a finished moved connection may take to flush (the runner closes those). */
  readonly closeTimeout: number;
  /** Called when a runner dies unexpectedly (a crash, `process.exit` in handler code). */
  readonly onCrash: (runner: string, reason: string) => void;
  /**
   * With {@link RemoteStrategy.waitForFirstBytes}: true when `socket` can move to a runner
   * now and wait there for its first bytes (a worker thread holds many silent connections;
   * a child runs one request at a time and has no such hook). Then no byte of it is relayed
   * through this process (issue 20). Absent: silent connections wait in this process.
   */
  readonly movesSilent?: (socket: StreamRequest) => boolean;
}

/** Runs requests in a pool of runners; see the module comment. */
export class RemoteStrategy<TRequest = unknown> implements ConcurrencyStrategy<TRequest> {
  readonly name: string;
  /** Handlers run in the runners (worker threads, child processes), not in the server's process. */
  readonly runsRequestsElsewhere = true;
  /** Closing cuts running handlers instead of waiting (Python's `daemon_threads`). */
  daemon = false;
  /** Closing waits for running handlers (Python's `block_on_close`); when false they finish in the background. */
  blockOnClose = true;
  /**
   * Handler defaults for the runners (`idleTimeout`, `firstByteTimeout`), over what the
   * handler class shows in this process; set before the server starts. The `sockserve`
   * command sets its safe defaults here. See `handler-defaults.ts`.
   */
  handlerDefaults: HandlerDefaults = {};
  /**
   * Stream connections take a runner's slot only once they have bytes to read; until then they
   * wait, closed after the handler's first-byte deadline (`firstByteTimeout`, else
   * `idleTimeout`, from {@link handlerDefaults}) — in this process, or, where the runner can
   * hold them (`RemoteStrategyConfig.movesSilent`: worker threads), moved there at once and
   * waiting in it (`first-bytes-in-runner.ts`). Idle connections then hold no worker's or
   * child's slot. Default false (Python's: handed over at accept);
   * wrong for a protocol where the server speaks first. See `first-bytes-hand-over.ts`.
   */
  waitForFirstBytes = false;
  #handOver: FirstBytesHandOver | undefined;
  readonly #config: RemoteStrategyConfig;
  #pool: RunnerPool | undefined;
  #host: StrategyHost | undefined;

  constructor(config: RemoteStrategyConfig) {
    this.name = config.name;
    this.#config = config;
  }

  /** `'abandon'` with daemon threads, `'wait'` with `blockOnClose`, `'detach'` without. */
  get closeMode(): CloseMode {
    if (this.daemon) return 'abandon';
    return this.blockOnClose ? 'wait' : 'detach';
  }

  get active(): number {
    return this.#pool?.active ?? 0;
  }

  /**
   * How its runners crashed and what backed off: runners that died, how many of those were
   * blamed on clients, client back-offs begun, requests refused meanwhile, pool start delays.
   */
  get crashStats(): Readonly<CrashStats> {
    return { ...(this.#pool?.policy.stats ?? NO_CRASHES) };
  }

  /**
   * False refuses a request whose client backs off after its requests crashed runners 5
   * times in a row (see `restart-policy.ts`); the pipeline then ends it as `verifyRequest()`
   * returning false would, counted `refused`.
   */
  admit(clientAddress: SocketAddress): boolean {
    return this.#pool?.admit(clientAddress) ?? true;
  }

  /** The pool, once started: for a subclass whose runners also take requests by themselves. */
  protected get runnerPool(): RunnerPool | undefined {
    return this.#pool;
  }

  /** Runners alive now. */
  get runners(): number {
    return this.#pool?.size ?? 0;
  }

  /** Runners that loaded the handler and take requests now (the rest are starting or retiring). */
  get readyRunners(): number {
    return this.#pool?.ready ?? 0;
  }

  async start(host: StrategyHost): Promise<void> {
    const location = handlerLocation(host.handler);
    if (location === undefined) throw notLoadable(host.handler, this.name);
    const init: RunnerInit = {
      handler: location,
      server: { serverAddress: host.serverAddress, transportKind: host.transportKind },
      closeTimeout: this.#config.closeTimeout,
      requestTimeout: host.requestTimeout,
      upgrade: host.transportKind === 'stream' ? host.connectionUpgrade?.remote() : undefined,
      preamble: host.transportKind === 'stream' ? host.runnerPreamble?.remote() : undefined,
      handlerDefaults: { ...readHandlerDefaults(host.handler), ...this.handlerDefaults },
      // Silent connections may wait in the runners: each then keeps its own slot count.
      ...(this.#silentInRunners(host) ? { slots: this.#config.pool.maxPerRunner } : {}),
    };
    this.#host = host;
    const pool = new RunnerPool(this.#config.factory, init, this.#config.pool, {
      shutdown: () => host.shutdown(),
      crashed: this.#config.onCrash,
      backoff: (notice, runner) => reportBackoff(this.name, host, notice, runner),
    });
    this.#pool = pool;
    if (host.transportKind === 'stream' && this.waitForFirstBytes) {
      this.#handOver = new FirstBytesHandOver(
        firstByteDeadline(init.handlerDefaults),
        () => this.waitForSlot(),
        (job) => runStream(pool, job, job.request as StreamRequest, host),
      );
    }
    try {
      await pool.start();
    } catch (error) {
      await pool.close();
      throw error;
    }
  }

  /** Silent connections move to a runner to wait there for their first bytes. */
  #silentInRunners(host: StrategyHost): boolean {
    return (
      host.transportKind === 'stream' &&
      this.waitForFirstBytes &&
      this.#config.movesSilent !== undefined
    );
  }

  waitForSlot(signal?: AbortSignal): Promise<void> {
    return this.#pool?.waitForSlot(signal) ?? Promise.resolve();
  }

  /**
   * Sends the request to a runner and resolves (at once, unless a runner died since the
   * serve loop's `waitForSlot()` and the crash policy delays the next start: then it waits for
   * room); the runner's answer settles it. The request is a `StreamRequest` (moved or relayed)
   * or a `DatagramRequest` (sent as a message), told apart by what it is; anything else is an
   * `UnsupportedError`.
   */
  async run(job: RequestJob<TRequest>): Promise<void> {
    const pool = this.#pool;
    if (pool === undefined) throw new ServerStateError(`${this.name}: run() before start()`);
    const request: unknown = job.request;
    if (this.#handOver !== undefined && isStreamRequest(request)) {
      const deadline = this.#handOver.deadline;
      // Moved at once, silent, to wait for its first bytes in a worker: nothing relayed.
      const silent = !pool.closed && this.#config.movesSilent?.(request) === true;
      if (silent) {
        // As a request: no runner started past `max` or inside the crash back-off.
        while (!pool.canAssign && !pool.closed) await pool.waitForSlot();
        if (!pool.closed && runStream(pool, job, request, this.#host, deadline)) return;
      }
      // Waits here for its first bytes, then for a runner (crash back-off included).
      this.#handOver.accept(job as RequestJob<unknown>);
      return;
    }
    while (!pool.canAssign && !pool.closed) await pool.waitForSlot();
    if (pool.closed) {
      pool.policy.released(crashKey(job.clientAddress));
      throw new ServerStateError(`${this.name}: the pool closed before a runner was free`);
    }
    if (isStreamRequest(request)) runStream(pool, job, request, this.#host, undefined);
    else if (isDatagramRequest(request)) runDatagram(pool, job, request);
    else {
      throw new UnsupportedError(
        `the ${this.name} strategy runs stream requests (a Duplex) and datagram requests (data, canReply, reply()); this request is neither`,
      );
    }
  }

  async close(): Promise<void> {
    this.#handOver?.close();
    await this.#pool?.close();
  }

  /** Sends the connection upgrade's new settings to every runner (and those started later). */
  updateConnectionUpgrade(settings: unknown): void {
    this.#pool?.updateUpgrade(settings);
  }
}

function notLoadable(handler: HandlerSource, strategy: string): HandlerLoadError {
  const name = isHandlerClass(handler) ? handler.name || 'the handler class' : 'the handler';
  return new HandlerLoadError(
    `${name} can't be loaded by the ${strategy} strategy: it runs handlers in another ${strategy === 'threading' ? 'thread' : 'process'}, ` +
      `so the class must say where it lives — add \`static readonly module = import.meta.url\` to ${name} (and export it), ` +
      'or pass { module: import.meta.url, export: "Name" }',
  );
}

const NO_CRASHES: CrashStats = {
  crashes: 0,
  attributed: 0,
  clientBackoffs: 0,
  refused: 0,
  poolBackoffs: 0,
};
