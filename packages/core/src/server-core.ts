/**
 * The private state of one `BaseServer`, held apart from the public class so that its steps
 * can live in one module each: starting (`server-start.ts`: Python's `server_bind` /
 * `server_activate`), serving (`server-serve.ts`: `serve_forever`, `handle_request`,
 * `shutdown`) and closing (`server-close.ts`: `server_close`, drain). `BaseServer` keeps the
 * public methods — Python's names, overridable as in Python — and delegates to those modules.
 * Internal: not exported from the package root or the kit.
 */
import type { SocketAddress } from './address.js';
import type { CloseDeadline } from './close-deadline.js';
import type { CloseReport, ServerCloseOptions } from './close-report.js';
import type { Drain, ServerHealth } from './drain.js';
import type { PipelineServer } from './pipeline-server.js';
import { RequestPipeline } from './request-pipeline.js';
import type { ServeLoop } from './serve-loop.js';
import { ServerLifecycle } from './server-lifecycle.js';
import type { ConcurrencyStrategy, StrategyHost } from './strategy.js';
import type { ServerTransport } from './transport.js';

/**
 * The public server as its steps call it: Python's hooks and the public methods a subclass
 * may override (Python lets a subclass override `server_bind` and the rest, so the steps call
 * them through the server, never around it).
 */
export interface ServerCoreHost<TRequest>
  extends Omit<PipelineServer<TRequest>, 'connectionUpgrade'>,
    StrategyHost {
  readonly timeout: number | null;
  serverBind(): Promise<void>;
  serverActivate(): Promise<void>;
  serverClose(options?: ServerCloseOptions): Promise<CloseReport>;
  handleTimeout(): void | Promise<void>;
  serviceActions(): void | Promise<void>;
}

/** A close in progress: its deadline (a second call may bring it forward) and its report. */
export interface ServerClosing {
  readonly deadline: CloseDeadline;
  readonly report: Promise<CloseReport>;
}

/** One server's private state; see the module comment. */
export class ServerCore<TRequest> {
  /** The public server: passed to diagnostics and request context, and its hooks are called. */
  readonly server: ServerCoreHost<TRequest>;
  readonly strategy: ConcurrencyStrategy<TRequest>;
  /** The subclass's `createTransport()`, called once by the bind. */
  readonly createTransport: () => ServerTransport<TRequest>;
  readonly life: ServerLifecycle;
  readonly pipeline: RequestPipeline<TRequest>;
  transport: ServerTransport<TRequest> | undefined;
  /** The bound address, kept after close (readable as in Python). */
  address: SocketAddress | undefined;
  /** The `serveForever()` running, if one is. */
  loop: ServeLoop | undefined;
  /** An error that stops the serve loop (a ServerExit, one `handleError()` rethrew). */
  fatal: { error: unknown } | undefined;
  closing: ServerClosing | undefined;
  drain: Drain | undefined;

  constructor(
    server: ServerCoreHost<TRequest>,
    strategy: ConcurrencyStrategy<TRequest>,
    autoBind: boolean,
    createTransport: () => ServerTransport<TRequest>,
  ) {
    this.server = server;
    this.strategy = strategy;
    this.createTransport = createTransport;
    this.life = new ServerLifecycle(autoBind);
    this.pipeline = new RequestPipeline(
      server,
      strategy,
      (fatal) => this.stopWithError(fatal),
      () => server.requestTimeout,
    );
  }

  /** Where the server is in its life for health checks; see `BaseServer.health`. */
  get health(): ServerHealth {
    const kind = this.life.state.kind;
    if (kind === 'closed') return 'stopped';
    if (this.drain !== undefined || this.closing !== undefined) return 'draining';
    return kind === 'active' ? 'ready' : 'starting';
  }

  /** The transport once active (`life.whenActive()` resolved): it is then always set. */
  get activeTransport(): ServerTransport<TRequest> {
    return this.transport as ServerTransport<TRequest>;
  }

  /** Keeps the first fatal error and stops the serve loop; it rethrows it. */
  stopWithError(error: unknown): void {
    this.fatal ??= { error };
    this.loop?.stop();
  }

  /** Throws (once) the fatal error that stopped the server, if any. */
  throwIfFatal(): void {
    const fatal = this.fatal;
    if (fatal === undefined) return;
    this.fatal = undefined;
    throw fatal.error;
  }
}
