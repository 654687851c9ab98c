/**
 * The strategy behind `@sockserve/threading` and `@sockserve/forking`: requests run in a pool
 * of runners (worker threads or child processes). Stream sockets move to the runner whole
 * where the runner adapter can move them; otherwise their bytes are relayed. Datagrams go as
 * messages and their replies come back to leave from the server's own socket. A handler's
 * error comes back with its stack and takes the server's error path (`handleError`, then
 * `shutdownRequest`), as an in-process error would.
 */
import type { Duplex } from 'node:stream';
import type { SocketAddress } from '../address.js';
import { HandlerLoadError, ServerStateError } from '../errors.js';
import { type HandlerSource, handlerLocation, isHandlerClass } from '../handler.js';
import type { ConcurrencyStrategy, StrategyHost } from '../strategy.js';
import type { DatagramRequest } from '../transport.js';
import { type FromRunner, type RunnerInit, toRemoteError } from './protocol.js';
import { fromRemoteError } from './remote-error.js';
import type { RunnerFactory } from './runner.js';
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
  /** Closing doesn't wait for running handlers (Python's `daemon_threads`). */
  daemon = false;
  /** Closing waits for running handlers (Python's `block_on_close`). */
  blockOnClose = true;
  readonly #config: RemoteStrategyConfig;
  #host: StrategyHost<TRequest> | undefined;
  #pool: RunnerPool | undefined;

  constructor(config: RemoteStrategyConfig) {
    this.name = config.name;
    this.#config = config;
  }

  get active(): number {
    return this.#pool?.active ?? 0;
  }

  /** Runners alive now. */
  get runners(): number {
    return this.#pool?.size ?? 0;
  }

  async start(host: StrategyHost<TRequest>): Promise<void> {
    const location = handlerLocation(host.handler);
    if (location === undefined) throw notLoadable(host.handler, this.name);
    this.#host = host;
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
      await pool.close({ wait: false });
      throw error;
    }
  }

  waitForSlot(signal?: AbortSignal): Promise<void> {
    return this.#pool?.waitForSlot(signal) ?? Promise.resolve();
  }

  async dispatch(request: TRequest, clientAddress: SocketAddress): Promise<void> {
    const host = this.#host;
    const pool = this.#pool;
    if (host === undefined || pool === undefined)
      throw new ServerStateError(`${this.name}: dispatch() before start()`);
    if (host.transportKind === 'stream') this.#dispatchStream(host, pool, request, clientAddress);
    else this.#dispatchDatagram(host, pool, request, clientAddress);
  }

  async close(options: { wait: boolean }): Promise<void> {
    await this.#pool?.close({ wait: options.wait && this.blockOnClose && !this.daemon });
  }

  #dispatchStream(
    host: StrategyHost<TRequest>,
    pool: RunnerPool,
    request: TRequest,
    clientAddress: SocketAddress,
  ): void {
    const socket = request as unknown as Duplex;
    let relay: SocketRelay | undefined;
    let settled = false;
    const finish = (error: Error | undefined) => {
      if (settled) return;
      settled = true;
      relay?.stop();
      pool.finished(id);
      void host.requestFinished(request, clientAddress, error);
    };
    const { id, runner } = pool.assign({
      receive: (message: FromRunner) => {
        if (message.t === 'done')
          finish(message.error && fromRemoteError(message.error, runner.name));
        else relay?.receive(message);
      },
      fail: (error, closing) => finish(closing ? undefined : error),
    });
    if (runner.postWithSocket({ t: 'stream', id, clientAddress }, socket)) return;
    relay = new SocketRelay(id, socket, (message) => runner.post(message));
    runner.post({ t: 'stream', id, clientAddress });
    relay.start();
  }

  #dispatchDatagram(
    host: StrategyHost<TRequest>,
    pool: RunnerPool,
    request: TRequest,
    clientAddress: SocketAddress,
  ): void {
    const datagram = request as unknown as DatagramRequest;
    let settled = false;
    const { id, runner } = pool.assign({
      receive: (message: FromRunner) => {
        if (message.t === 'reply') {
          datagram.reply(message.data).then(
            () => runner.post({ t: 'replied', id, error: undefined }),
            (error: unknown) => runner.post({ t: 'replied', id, error: toRemoteError(error) }),
          );
        } else if (message.t === 'done' && !settled) {
          settled = true;
          pool.finished(id);
          void host.requestFinished(
            request,
            clientAddress,
            message.error && fromRemoteError(message.error, runner.name),
          );
        }
      },
      fail: (error, closing) => {
        if (settled) return;
        settled = true;
        pool.finished(id);
        void host.requestFinished(request, clientAddress, closing ? undefined : error);
      },
    });
    runner.post({
      t: 'datagram',
      id,
      data: datagram.data,
      clientAddress,
      canReply: datagram.canReply,
    });
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
