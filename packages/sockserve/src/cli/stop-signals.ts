/**
 * SIGINT and SIGTERM for the command, counted: the first asks for a graceful stop, the second
 * forces it, a third ends the process at once (should a forced close itself hang). Installed
 * before the handler module is imported, so a signal during start-up is seen too. Python's
 * counterpart is `KeyboardInterrupt` (SIGINT only; SIGTERM kills a Python server outright).
 */

/** The signals that stop the command. */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** Counts stop signals; `first` and `second` resolve with the signal's name as they arrive. */
export class StopSignals {
  /** Resolves at the first SIGINT/SIGTERM: stop gracefully. */
  readonly first: Promise<NodeJS.Signals>;
  /** Resolves at the second: stop now. */
  readonly second: Promise<NodeJS.Signals>;
  #count = 0;
  readonly #resolvers: Array<(signal: NodeJS.Signals) => void> = [];
  readonly #onSignal = (signal: NodeJS.Signals) => this.#received(signal);
  readonly #onThird: (signal: NodeJS.Signals) => void;

  /** `onThird` runs at the third signal (the command prints a line and exits with 1). */
  constructor(onThird: (signal: NodeJS.Signals) => void) {
    this.#onThird = onThird;
    this.first = new Promise((resolve) => this.#resolvers.push(resolve));
    this.second = new Promise((resolve) => this.#resolvers.push(resolve));
  }

  /** Signals received so far. */
  get count(): number {
    return this.#count;
  }

  /** Starts listening (replacing Node's default of dying on the signal). */
  install(): void {
    for (const signal of STOP_SIGNALS) process.on(signal, this.#onSignal);
  }

  /** Stops listening. */
  uninstall(): void {
    for (const signal of STOP_SIGNALS) process.off(signal, this.#onSignal);
  }

  #received(signal: NodeJS.Signals): void {
    this.#count += 1;
    if (this.#count <= 2) this.#resolvers[this.#count - 1]?.(signal);
    else this.#onThird(signal);
  }
}

/** What {@link untilSignal} resolves with when the signal came first. */
export const INTERRUPTED = Symbol('interrupted');

/** `work`'s value, or {@link INTERRUPTED} if `signal` resolves first (`work` goes on; its rejection is then ignored). */
export async function untilSignal<T>(
  work: Promise<T>,
  signal: Promise<unknown>,
): Promise<T | typeof INTERRUPTED> {
  work.catch(() => {});
  return Promise.race([work, signal.then((): typeof INTERRUPTED => INTERRUPTED)]);
}
