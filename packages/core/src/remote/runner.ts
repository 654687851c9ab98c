/**
 * The runner contract: one worker thread or child process that runs handlers, as the
 * threading and forking packages adapt them. The pool and the remote strategy speak only
 * to this.
 */
import type { Duplex } from 'node:stream';
import type { FromRunner, RunnerInit, ToRunner } from './protocol.js';

/** A started runner (it may still be loading the handler). */
export interface Runner {
  /** Names it in errors and warnings: `worker 3`, `child 4711`. */
  readonly name: string;
  /** Sends a message. */
  post(message: ToRunner): void;
  /**
   * Sends a `stream` message together with the socket itself (the runner then owns it).
   * Returns false, leaving the socket untouched, when this socket can't be moved here —
   * the strategy then relays its bytes.
   */
  postWithSocket(message: ToRunner, socket: Duplex): boolean;
  /** Subscribes to its messages. */
  onMessage(listener: (message: FromRunner) => void): void;
  /** Subscribes to its end: `expected` is false when it died (crash, exit in handler code). */
  onExit(listener: (reason: string, expected: boolean) => void): void;
  /**
   * Stops it; resolves once it is gone. `why`: `'retire'` — idle and the server goes on
   * (recycled, idle too long): it may finish closing its connections first; `'close'` — the
   * server closes and it is idle: at once; `'cut'` — it ignored a cut past the grace period:
   * killed.
   */
  terminate(why: TerminateReason): Promise<void>;
  /**
   * Optional: the server closed without waiting for this runner's requests (`blockOnClose:
   * false`): it must not keep the server's process alive; the pool terminates it with
   * `'retire'` once they finished.
   */
  detach?(): void;
}

/** Why a runner is stopped; see {@link Runner.terminate}. */
export type TerminateReason = 'retire' | 'close' | 'cut';

/** Starts a runner for a server. */
export type RunnerFactory = (init: RunnerInit, index: number) => Runner;
