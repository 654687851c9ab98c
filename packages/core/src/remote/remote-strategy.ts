/**
 * The strategy behind `@sockserve/threading` and `@sockserve/forking`: requests run in a pool
 * of runners (worker threads or child processes). Stream sockets move to the runner whole
 * where the runner adapter can move them; otherwise their bytes are relayed. Datagrams go as
 * messages and their replies come back to leave from the server's own socket. A handler's
 * error comes back with its stack and takes the server's error path (`handleError`, then
 * `shutdownRequest`), as an in-process error would: the server's pipeline ends every request,
 * this strategy only carries it to a runner and its outcome back. A close cuts requests one by
 * one by message; a runner is killed only when it ignores that (see `RunnerPool.cut`).
 */
import type { Duplex } from 'node:stream';
import { HandlerLoadError, ServerStateError } from '../errors.js';
import { type HandlerSource, handlerLocation, isHandlerClass } from '../handler.js';
import { requestInfo } from '../request-info.js';
import type {
  CloseMode,
  ConcurrencyStrategy,
  RemoteStopper,
  RequestJob,
  StrategyHost,
} from '../strategy.js';
import type { DatagramRequest } from '../transport.js';
import { type FromRunner, type RunnerInit, type ToRunner, toRemoteError } from './protocol.js';
import { detachReadBytes } from './read-bytes.js';
import { fromRemoteError } from './remote-error.js';
import type { Runner, RunnerFactory } from './runner.js';
import { RunnerPool, type RunnerPoolOptions } from './runner-pool.js';
import { SocketRelay } from './socket-relay.js';

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
}

/** Runs requests in a pool of runners; see the module comment. */
export class RemoteStrategy<TRequest = unknown> implements ConcurrencyStrategy<TRequest> {
  readonly name: string;
  /** Closing cuts running handlers instead of waiting (Python's `daemon_threads`). */
  daemon = false;
  /** Closing waits for running handlers (Python's `block_on_close`); when false they finish in the background. */
  blockOnClose = true;
  readonly #config: RemoteStrategyConfig;
  #stream = true;
  #pool: RunnerPool | undefined;

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

  /** Runners alive now. */
  get runners(): number {
    return this.#pool?.size ?? 0;
  }

  async start(host: StrategyHost): Promise<void> {
    const location = handlerLocation(host.handler);
    if (location === undefined) throw notLoadable(host.handler, this.name);
    this.#stream = host.transportKind === 'stream';
    const init: RunnerInit = {
      handler: location,
      server: { serverAddress: host.serverAddress, transportKind: host.transportKind },
      closeTimeout: this.#config.closeTimeout,
      requestTimeout: host.requestTimeout,
    };
    const pool = new RunnerPool(this.#config.factory, init, this.#config.pool, {
      shutdown: () => host.shutdown(),
      crashed: this.#config.onCrash,
    });
    this.#pool = pool;
    try {
      await pool.start();
    } catch (error) {
      await pool.close();
      throw error;
    }
  }

  waitForSlot(signal?: AbortSignal): Promise<void> {
    return this.#pool?.waitForSlot(signal) ?? Promise.resolve();
  }

  /** Sends the request to a runner and resolves at once; the runner's answer settles it. */
  async run(job: RequestJob<TRequest>): Promise<void> {
    const pool = this.#pool;
    if (pool === undefined) throw new ServerStateError(`${this.name}: run() before start()`);
    if (this.#stream) runStream(pool, job);
    else runDatagram(pool, job);
  }

  async close(): Promise<void> {
    await this.#pool?.close();
  }
}

/** How the pipeline cuts or drains job `id` on its runner. */
function stopper(pool: RunnerPool, id: number, runner: Runner): RemoteStopper {
  return {
    cut: () => pool.cut(id),
    drain: () => runner.post({ t: 'drain', id }),
  };
}

function runStream<TRequest>(pool: RunnerPool, job: RequestJob<TRequest>): void {
  const socket = job.request as unknown as Duplex;
  let relay: SocketRelay | undefined;
  let settled = false;
  const finish = (error: Error | undefined) => {
    if (settled) return;
    settled = true;
    relay?.stop();
    pool.finished(id);
    void job.settle(error);
  };
  const { id, runner } = pool.assign({
    receive: (message: FromRunner) => {
      if (message.t === 'done')
        finish(message.error && fromRemoteError(message.error, runner.name));
      else relay?.receive(message);
    },
    fail: finish,
  });
  // Bytes already read here (past a PROXY header, say) travel with the request.
  const detached = detachReadBytes(socket);
  const message: ToRunner = {
    t: 'stream',
    id,
    clientAddress: job.clientAddress,
    ...(detached === undefined ? {} : { head: detached.head }),
    ...withInfo(socket),
  };
  // The request goes first: a drain or cut the pipeline sends at once (the server is already
  // closing) must reach the runner after it, or the runner would not know the id yet.
  if (!runner.postWithSocket(message, socket)) {
    relay = new SocketRelay(id, socket, (m) => runner.post(m));
    runner.post(message);
    detached?.resume();
    relay.start();
  }
  job.executeElsewhere(stopper(pool, id, runner));
}

function runDatagram<TRequest>(pool: RunnerPool, job: RequestJob<TRequest>): void {
  const datagram = job.request as unknown as DatagramRequest;
  let settled = false;
  const finish = (error: Error | undefined) => {
    if (settled) return;
    settled = true;
    pool.finished(id);
    void job.settle(error);
  };
  const { id, runner } = pool.assign({
    receive: (message: FromRunner) => {
      if (message.t === 'reply') {
        datagram.reply(message.data).then(
          () => runner.post({ t: 'replied', id, error: undefined }),
          (error: unknown) => runner.post({ t: 'replied', id, error: toRemoteError(error) }),
        );
      } else if (message.t === 'done') {
        finish(message.error && fromRemoteError(message.error, runner.name));
      }
    },
    fail: finish,
  });
  runner.post({
    t: 'datagram',
    id,
    data: datagram.data,
    clientAddress: job.clientAddress,
    canReply: datagram.canReply,
    ...withInfo(datagram),
  });
  job.executeElsewhere(stopper(pool, id, runner));
}

/** `{ info }` when the transport recorded facts about `request`, else nothing. */
function withInfo(request: unknown) {
  const info = requestInfo(request);
  return info === undefined ? {} : { info };
}

function notLoadable(handler: HandlerSource, strategy: string): HandlerLoadError {
  const name = isHandlerClass(handler) ? handler.name || 'the handler class' : 'the handler';
  return new HandlerLoadError(
    `${name} can't be loaded by the ${strategy} strategy: it runs handlers in another ${strategy === 'threading' ? 'thread' : 'process'}, ` +
      `so the class must say where it lives — add \`static readonly module = import.meta.url\` to ${name} (and export it), ` +
      'or pass { module: import.meta.url, export: "Name" }',
  );
}
