/**
 * A child Node process as a sockserve runner (`Runner` from `@sockserve/core/remote`).
 * Accepted stream sockets (TCP and Unix) go to the child as real handles with
 * `subprocess.send(message, socket)`: they were accepted paused and nothing was read from
 * them, which is checked before each move, so no byte is lost. A socket that can't move (it
 * was read from, or relaying was asked for) is left to the strategy, which relays its bytes.
 *
 * How a child is stopped:
 * - idle and the server goes on (recycled, retired when idle, per-request after its one
 *   request): `retire` — it exits once its connections finished closing;
 * - idle and the server closes: the IPC channel is closed — it exits at once;
 * - it ignored a cut request past the pool's grace period: SIGKILL;
 * - the server closes with `blockOnClose: false` (Python's way): detached — it finishes its
 *   request in the background without keeping the server's process alive, then retires,
 *   and exits at once should the server's process end first.
 * A child that doesn't exit when asked is killed after a grace period.
 */
import { type ChildProcess, fork } from 'node:child_process';
import type { Duplex } from 'node:stream';
import { canMoveSocket, runnerExecArgv } from '@sockserve/core/kit';
import type {
  FromRunner,
  Runner,
  RunnerInit,
  TerminateReason,
  ToRunner,
} from '@sockserve/core/remote';
import type { FromChild, ToChild } from './child-protocol.js';
import { type ChildAcceptHooks, ChildAcceptLink } from './child-runner-accept.js';

// Moved to child-runner-accept.ts; still exported from here, where it was first.
export type { ChildAcceptHooks } from './child-runner-accept.js';

const ENTRY = new URL('./child-entry.js', import.meta.url);
/** ms a child may take to exit after it was told to, beyond its connections' closeTimeout. */
const KILL_GRACE = 5000;

/** How a child ended: Python's `os.waitpid()` status, as Node reports it. */
export interface ChildExit {
  readonly pid: number;
  /** The exit status (0 = the handler succeeded, 1 = it raised, in per-request mode), or null when a signal ended it. */
  readonly code: number | null;
  /** The signal that ended it (`'SIGKILL'`), or null. */
  readonly signal: NodeJS.Signals | null;
}

/** How a server's children are started. */
export interface ChildRunnerOptions {
  /** Python's semantics: a child runs one request, then exits with its status. */
  readonly exitAfterRequest: boolean;
  /** `'auto'`: stream sockets move to the child as handles; `'relay'`: their bytes are relayed. */
  readonly transfer: 'auto' | 'relay';
  /** Node options of the children (`--max-old-space-size=…`); default: this process's. */
  readonly execArgv: readonly string[] | undefined;
  /** ms a finished connection may take to close (the child's part of a retirement). */
  readonly closeTimeout: number;
  /**
   * `acceptIn: 'children'`: where a new child gets the server's listening handle (undefined
   * while there is none to give), and who hears that a child accepted a connection itself.
   */
  readonly accept?: ChildAcceptHooks | undefined;
  /** ms a child may take to exit once told to, beyond `closeTimeout`, before SIGKILL (default 5000; tests shorten it). */
  readonly killGrace?: number | undefined;
}

/** One child process — what Python's `process_request` gets from `os.fork()`; see the module comment. */
export class ChildRunner implements Runner {
  readonly name: string;
  /** The child's pid (undefined only when it could not be started). */
  readonly pid: number | undefined;
  /** Resolves once the child exited. */
  readonly exited: Promise<ChildExit>;
  readonly #child: ChildProcess;
  readonly #options: ChildRunnerOptions;
  readonly #changed: (child: ChildRunner, exit: ChildExit | undefined) => void;
  readonly #inFlight = new Set<number>();
  readonly #exitListeners: Array<(reason: string, expected: boolean) => void> = [];
  readonly #listeners: Array<(message: FromRunner) => void> = [];
  /** `acceptIn: 'children'`: the listening handle's traffic and the accepted request's id. */
  readonly #accept: ChildAcceptLink | undefined;
  /** SIGKILL if the child hasn't exited in time after {@link terminate}. */
  #killTimer: NodeJS.Timeout | undefined;
  #resolveExit: (exit: ChildExit) => void = () => {};
  #exit: ChildExit | undefined;
  #assigned = false;
  #terminating = false;
  /** This side closed the IPC channel. */
  #disconnected = false;
  /** It reported that the handler can't load; it exits by design. */
  #failedToLoad = false;

  /** `changed` is called when the child becomes idle, starts ending, or exits. */
  constructor(
    init: RunnerInit,
    options: ChildRunnerOptions,
    changed: (child: ChildRunner, exit: ChildExit | undefined) => void,
  ) {
    this.#options = options;
    this.#changed = changed;
    this.exited = new Promise((resolve) => {
      this.#resolveExit = resolve;
    });
    this.#child = fork(ENTRY, [], {
      serialization: 'advanced',
      stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
      // Unset: this process's execArgv minus inspector flags and a `-e` script (core's runnerExecArgv).
      execArgv: [...(options.execArgv ?? runnerExecArgv())],
    });
    this.pid = this.#child.pid;
    this.name = `child ${this.pid ?? '(not started)'}`;
    this.#child.on('message', (raw: FromChild, handle: unknown) => this.#received(raw, handle));
    // Send errors surface as the child's exit; a child that could not start never exits.
    this.#child.on('error', (error) => {
      if (this.pid === undefined) this.#ended(`could not start: ${error.message}`, null, null);
    });
    // 'close' comes once the IPC channel delivered the child's last messages too (a 'done' may
    // arrive after 'exit'); but once this side closed the channel, 'close' never comes.
    this.#child.once('close', () => this.#exited());
    this.#child.once('exit', () => {
      if (this.#disconnected) this.#exited();
    });
    this.#send({ t: 'start', init, exitAfterRequest: options.exitAfterRequest });
    this.#accept =
      options.accept === undefined
        ? undefined
        : new ChildAcceptLink(
            {
              send: (message, handle) => this.#send(message, handle),
              open: () => !this.ending && this.#child.connected,
              exited: this.exited,
              took: (id) => this.#took(id),
              refused: () => {
                this.#assigned = true;
              },
              onLateAccept: () => this.#clearKillTimer(),
            },
            options.accept,
          );
    this.#accept?.listenIfListening();
    options.accept?.joined(this);
  }

  /** `acceptIn: 'children'`: gives the child the listening handle; it accepts once ready. */
  listen(handle: unknown, backlog: number): void {
    this.#accept?.listen(handle, backlog);
  }

  /** `acceptIn: 'children'`: the child's turn to listen and accept one connection. */
  takeTurn(): void {
    this.#accept?.takeTurn();
  }

  /**
   * `acceptIn: 'children'`: the server stops accepting; the child closes its copy. Resolves
   * once it did (every connection it took was announced by then) or it exited.
   */
  stopListening(): Promise<void> {
    return this.#accept?.stopListening() ?? Promise.resolve();
  }

  /** Sends `handle` to the child and resolves with the copy it sends back (undefined: it ended first). */
  echoHandle(handle: unknown): Promise<unknown> {
    return this.#accept?.echoHandle(handle) ?? Promise.resolve(undefined);
  }

  /** True once it will take no more requests: told to stop, or (per-request) it has its one. */
  get ending(): boolean {
    return (
      this.#terminating || this.#failedToLoad || (this.#options.exitAfterRequest && this.#assigned)
    );
  }

  post(message: ToRunner): void {
    if (message.t === 'stream' || message.t === 'datagram') this.#took(message.id);
    // The connection it accepted itself is ACCEPTED_ID there (a cut, a drain).
    this.#send(this.#accept === undefined ? message : this.#accept.toChild(message));
  }

  postWithSocket(message: ToRunner, socket: Duplex): boolean {
    if (this.#options.transfer === 'relay' || message.t !== 'stream') return false;
    if (!canMoveSocket(socket) || !this.#child.connected) return false;
    try {
      // The shell left here is the transport's to forget (core's moved-socket.ts).
      this.#child.send({ ...message, moved: true } satisfies ToChild, socket, {}, () => {});
    } catch {
      return false;
    }
    this.#took(message.id);
    return true;
  }

  onMessage(listener: (message: FromRunner) => void): void {
    this.#listeners.push(listener);
  }

  #received(raw: FromChild, handle: unknown): void {
    const accept = this.#accept;
    if (accept?.received(raw, handle, this, this.#terminating)) return;
    const message =
      accept === undefined ? (raw as FromRunner) : accept.fromChild(raw as FromRunner);
    if (message.t === 'done') {
      this.#inFlight.delete(message.id);
      this.#changed(this, this.#exit);
    } else if (message.t === 'init-error') this.#failedToLoad = true;
    for (const listener of this.#listeners) listener(message);
  }

  onExit(listener: (reason: string, expected: boolean) => void): void {
    this.#exitListeners.push(listener);
  }

  /** blockOnClose false (Python's way): what it holds finishes; this process doesn't wait. */
  detach(): void {
    this.#child.unref();
    this.#child.channel?.unref();
  }

  async terminate(why: TerminateReason): Promise<void> {
    if (this.#exit !== undefined) return;
    this.#terminating = true;
    this.#changed(this, this.#exit);
    let grace = this.#options.killGrace ?? KILL_GRACE;
    if (why === 'cut' || this.#inFlight.size > 0) this.#child.kill('SIGKILL');
    else if (why === 'close') this.#disconnect();
    else {
      this.#send({ t: 'retire' });
      grace += this.#options.closeTimeout;
    }
    this.#clearKillTimer();
    this.#killTimer = setTimeout(() => this.#child.kill('SIGKILL'), grace);
    this.#killTimer.unref();
    await this.exited;
    this.#clearKillTimer();
  }

  #clearKillTimer(): void {
    clearTimeout(this.#killTimer);
    this.#killTimer = undefined;
  }

  #took(id: number): void {
    this.#inFlight.add(id);
    this.#assigned = true;
  }

  /** Sends `message` (with `handle`); false when the channel is closed. */
  #send(message: ToChild, handle?: unknown): boolean {
    if (!this.#child.connected) return false;
    try {
      this.#child.send(message, handle as never, {}, () => {});
      return true;
    } catch {
      // The channel closed under us: the exit that follows fails this child's requests.
      return false;
    }
  }

  /** Closes the IPC channel: the child exits at once. */
  #disconnect(): void {
    if (!this.#child.connected) return;
    this.#disconnected = true;
    this.#child.disconnect();
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) this.#exited();
  }

  #exited(): void {
    const { exitCode: code, signalCode: signal } = this.#child;
    this.#ended(
      code === null ? `was killed by ${signal}` : `exited with code ${code}`,
      code,
      signal,
    );
  }

  #ended(reason: string, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.#exit !== undefined) return;
    this.#exit = { pid: this.pid ?? -1, code, signal };
    const expected =
      this.#terminating ||
      this.#failedToLoad ||
      (this.#options.exitAfterRequest && this.#assigned && this.#inFlight.size === 0);
    for (const listener of this.#exitListeners) listener(reason, expected);
    this.#options.accept?.gone(this);
    this.#resolveExit(this.#exit);
    this.#changed(this, this.#exit);
  }
}
