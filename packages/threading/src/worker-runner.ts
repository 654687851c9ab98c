/**
 * A worker thread as a sockserve runner. Accepted TCP sockets move into the worker whole where
 * Node supports it (`postMessage` transfer of a `net.Socket`; it arrived in Node 26.6 and is
 * backported to recent 24.x); otherwise — older Node, Unix sockets — the strategy relays
 * their bytes. Which applies is found out by trying once.
 */
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { type ResourceLimits, Worker } from 'node:worker_threads';
import { runnerExecArgv } from '@sockserve/core/kit';
import type {
  FromRunner,
  Runner,
  RunnerInit,
  TerminateReason,
  ToRunner,
} from '@sockserve/core/remote';
import { eachMessage, type WorkerPost } from './done-batch.js';

const ENTRY = new URL('./worker-main.js', import.meta.url);

/** How worker runners are made. */
export interface WorkerRunnerOptions {
  readonly resourceLimits: ResourceLimits | undefined;
  /** Given to handlers through `sharedWorkerData()`. */
  readonly shared: unknown;
  /** Node options of the workers; default: this process's without inspector flags. */
  readonly execArgv?: readonly string[] | undefined;
}

/** One worker thread; see the module comment. */
export class WorkerRunner implements Runner {
  readonly name: string;
  readonly #worker: Worker;
  readonly #transfer: { enabled: boolean };
  #terminating = false;
  #crash: string | undefined;

  /** `transfer` is shared by the runners of one server: once a move fails, relay from then on. */
  constructor(
    init: RunnerInit,
    index: number,
    options: WorkerRunnerOptions,
    transfer: { enabled: boolean },
  ) {
    this.name = `worker ${index + 1}`;
    this.#transfer = transfer;
    this.#worker = new Worker(ENTRY, {
      workerData: { init, name: this.name, shared: options.shared },
      execArgv: [...(options.execArgv ?? runnerExecArgv())],
      ...(options.resourceLimits === undefined ? {} : { resourceLimits: options.resourceLimits }),
    });
    this.#worker.on('error', (error: Error & { code?: string }) => {
      this.#crash =
        error.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? 'ran out of memory (resourceLimits)'
          : `crashed: ${error.stack ?? error.message}`;
    });
  }

  post(message: ToRunner): void {
    this.#worker.postMessage(message);
  }

  postWithSocket(message: ToRunner, socket: Duplex): boolean {
    // Node moves only a socket that never read (`bytesRead === 0`): one the server read from
    // (a PROXY header, its own verifyRequest) is relayed, and the next ones still move.
    if (!this.#transfer.enabled || (socket instanceof Socket && socket.bytesRead > 0)) return false;
    try {
      // biome-ignore lint/suspicious/noExplicitAny: net.Socket is transferable where supported.
      this.#worker.postMessage({ ...message, socket }, [socket as any]);
      return true;
    } catch {
      this.#transfer.enabled = false;
      return false;
    }
  }

  onMessage(listener: (message: FromRunner) => void): void {
    // The worker posts a turn's `done` messages together (see done-batch.ts).
    this.#worker.on('message', (post: WorkerPost) => eachMessage(post, listener));
  }

  onExit(listener: (reason: string, expected: boolean) => void): void {
    this.#worker.once('exit', (code) => {
      listener(this.#crash ?? `exited with code ${code}`, this.#terminating);
    });
  }

  /** Stops the thread (a worker has no connections of its own to finish closing). */
  async terminate(_why: TerminateReason): Promise<void> {
    this.#terminating = true;
    await this.#worker.terminate();
  }

  /** Running handlers go on; the thread no longer keeps the process alive. */
  detach(): void {
    this.#worker.unref();
  }
}
