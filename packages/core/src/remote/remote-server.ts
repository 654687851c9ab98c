/**
 * `this.server` for a handler running in a runner (a worker thread or a child process): the
 * server's address and kind, and `shutdown()`, which asks the server through the runner.
 */
import type { SocketAddress } from '../address.js';
import type { RunnerInit } from './protocol.js';
import type { RequestRunner } from './request-runner.js';

/** What handlers see as `this.server` in a runner: the server's address, and `shutdown()`. */
export class RemoteServer {
  /** The server's bound address. */
  readonly serverAddress: SocketAddress;
  /** `'stream'` or `'datagram'`. */
  readonly transportKind: 'stream' | 'datagram';
  readonly #runner: RequestRunner;

  constructor(init: RunnerInit, runner: RequestRunner) {
    this.serverAddress = init.server.serverAddress;
    this.transportKind = init.server.transportKind;
    this.#runner = runner;
  }

  /** Asks the server to stop `serveForever()`; resolves once it did. */
  shutdown(): Promise<void> {
    return this.#runner.requestShutdown();
  }
}
