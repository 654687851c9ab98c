/**
 * `server.drain({ delay, timeout })`: the stop a load balancer needs. Python has no drain
 * (`shutdown()` + `server_close()` stop listening at once); balancers and Kubernetes update
 * their endpoints asynchronously, so a server that stops listening the moment it is told to
 * stop refuses the connections still sent its way. The steps:
 *
 * 1. report draining: `server.health` is `'draining'` at once (the agent-check port answers
 *    `drain`, the readiness endpoint 503), so the balancer stops sending new connections;
 * 2. keep accepting and serving for `delay` ms (what the balancer still sends is served);
 * 3. stop listening and close gracefully: `serverClose({ timeout })` serves what was accepted
 *    and waits for what runs up to `timeout` ms, then cuts the rest.
 *
 * A `serverClose()` during the delay ends the delay at once (the drain then shares its report).
 */
import type { CloseReport } from './close-report.js';
import { InvalidOptionError } from './errors.js';
import { optionalTimeout, rejectUnknownOptions } from './validate.js';

/** Options of `drain()`. */
export interface DrainOptions {
  /** ms to keep accepting after reporting draining, before the listener closes. Default 0. */
  readonly delay?: number;
  /** ms the close then waits for accepted and running requests before cutting them (`serverClose({ timeout })`). Default: for ever. */
  readonly timeout?: number;
}

/**
 * Where a server is in its life, as health checks see it: `starting` (binding, activating),
 * `ready` (serving), `draining` (`drain()` or `serverClose()` began: serving what it has,
 * telling balancers to send nothing new), `stopped` (closed).
 */
export type ServerHealth = 'starting' | 'ready' | 'draining' | 'stopped';

/** A drain in progress: its delay, which a close can end early, and its report. */
export class Drain {
  /** Resolves with the close's report. */
  readonly report: Promise<CloseReport>;
  readonly #delayOver = Promise.withResolvers<void>();
  #timer: NodeJS.Timeout | undefined;

  /** Starts the drain: waits `delay` ms (or until {@link endDelay}), then `close(timeout)`. */
  constructor(options: DrainOptions, close: (timeout: number | undefined) => Promise<CloseReport>) {
    const { delay, timeout } = readDrainOptions(options);
    if (delay > 0) this.#timer = setTimeout(() => this.endDelay(), delay);
    else this.endDelay();
    this.report = this.#delayOver.promise.then(() => close(timeout));
  }

  /** Ends the delay now (the server is closing anyway). */
  endDelay(): void {
    clearTimeout(this.#timer);
    this.#delayOver.resolve();
  }
}

/** Checks `drain()`'s options before anything changes; throws `InvalidOptionError`. */
export function readDrainOptions(options: DrainOptions): {
  delay: number;
  timeout: number | undefined;
} {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionError('drain options', 'an object { delay?, timeout? }', options);
  }
  rejectUnknownOptions('drain()', options, ['delay', 'timeout']);
  const delay = optionalTimeout('delay', options.delay) ?? 0;
  const timeout = optionalTimeout('timeout', options.timeout) ?? undefined;
  return { delay, timeout };
}
