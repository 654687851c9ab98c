/**
 * What a runner pool does about crash loops, as a pure policy over an injected clock.
 *
 * A runner (worker thread, child process) that dies while it runs requests is blamed on the
 * clients of those requests — the ones it had started, when it said so before exiting. A
 * client blamed for {@link CRASHES_IN_A_ROW} crashes in a row *backs off*: its requests are
 * refused for `window` ms, then it gets one request at a time (a probe); a probe that crashes
 * again refuses it for another window, one that ends with its runner alive clears it. So a
 * client whose every request kills its runner costs at most one restart per window, and the
 * other clients keep every runner (an earlier design backed off pool slots instead: the
 * crashing client's requests land on every slot, so every slot ended up waiting and good
 * clients slowed to a crawl).
 *
 * A crash no request explains (the handler module or a timer of it exits, a runner dies idle
 * or can't load the handler module any more) is the pool's: after {@link CRASHES_IN_A_ROW} of those in a row, runners
 * start at most once per `window` for the whole pool — every runner loads the same module, so
 * one start a window bounds the loop where one a slot would multiply it by `max`.
 *
 * A row ends when `resetAfter` ms pass without a crash of its kind; a client's row also ends
 * when one of its requests ends on a runner that survived it. Python's `socketserver` has no
 * counterpart (it never restarts a thread or a fork); the shapes are systemd's
 * `StartLimitBurst` and a circuit breaker per client.
 */
import type { SocketAddress } from '../address.js';
import { clientKey, DEFAULT_PER_CLIENT_IPV6_PREFIX } from '../per-client-limit.js';

/** Crashes in a row after which a client, or the pool, backs off. */
export const CRASHES_IN_A_ROW = 5;

/** The policy's periods. */
export interface RestartPolicyOptions {
  /** ms a client backing off is refused, and between pool starts after unexplained crashes; 0: off. */
  readonly window: number;
  /** ms without a crash after which a row starts again from zero. */
  readonly resetAfter: number;
  /** The clock, in ms (default `performance.now`); tests pass their own. */
  readonly now?: () => number;
}

/** A back-off that began (or went on) at a crash: what the pool reports. */
export type BackoffNotice =
  | {
      /** A client's requests crashed runners `crashes` times in a row: refused `delayMs` ms. */
      readonly kind: 'client';
      /** The client, as it is keyed: an IPv4 address, an IPv6 `/64`, a Unix-domain path. */
      readonly client: string;
      readonly crashes: number;
      readonly delayMs: number;
      /** Its requests refused since its previous notice. */
      readonly refused: number;
    }
  | {
      /** Runners died `crashes` times in a row outside any request: the next start waits `delayMs` ms. */
      readonly kind: 'pool';
      readonly crashes: number;
      readonly delayMs: number;
      /** At most one start per this many ms. */
      readonly windowMs: number;
    };

/** Counters of a pool's crashes and back-offs (see `RemoteStrategy.crashStats`). */
export interface CrashStats {
  /** Runners that died unexpectedly, or could not load the handler after the start. */
  crashes: number;
  /** Of `crashes`: blamed on the clients of the requests they were running. */
  attributed: number;
  /** Times a client began (or, after a probe crashed, resumed) backing off. */
  clientBackoffs: number;
  /** Requests refused because their client was backing off. */
  refused: number;
  /** Unexplained crashes after which the next start was delayed. */
  poolBackoffs: number;
}

interface ClientRow {
  crashes: number;
  lastCrash: number;
  /** Refused until then. */
  until: number;
  /** One request admitted after the window, not yet ended. */
  probing: boolean;
  /** Refused since the last notice. */
  refused: number;
}

/**
 * The key a client's crashes are counted under (as `maxConnectionsPerClient` keys clients),
 * `unix:<path>` for a bound Unix-domain client, or `undefined` when it has none (an unbound
 * Unix-domain stream client: Node does not tell the peer): its crashes are the pool's.
 */
export function crashKey(address: SocketAddress): string | undefined {
  if (address.family === 'unix') return address.path === '' ? undefined : `unix:${address.path}`;
  return clientKey(address.host, DEFAULT_PER_CLIENT_IPV6_PREFIX);
}

/** See the module comment. */
export class RestartPolicy {
  readonly stats: CrashStats = {
    crashes: 0,
    attributed: 0,
    clientBackoffs: 0,
    refused: 0,
    poolBackoffs: 0,
  };
  readonly #window: number;
  readonly #resetAfter: number;
  readonly #now: () => number;
  readonly #clients = new Map<string, ClientRow>();
  #poolCrashes = 0;
  #lastPoolCrash = Number.NEGATIVE_INFINITY;
  #lastStart = Number.NEGATIVE_INFINITY;

  constructor(options: RestartPolicyOptions) {
    this.#window = options.window;
    this.#resetAfter = options.resetAfter;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Clients with crashes on record: while 0, every request is admitted without a look. */
  get watching(): number {
    return this.#clients.size;
  }

  /** Clients refused now or on probation (one request at a time). */
  get backingOff(): number {
    let n = 0;
    for (const row of this.#clients.values()) if (row.crashes >= CRASHES_IN_A_ROW) n += 1;
    return n;
  }

  /**
   * May a request from `key` run now? False while its client backs off, and while its one
   * probe after the window is still running; a refusal is counted.
   */
  admit(key: string | undefined): boolean {
    const row = key === undefined ? undefined : this.#clients.get(key);
    if (row === undefined || row.crashes < CRASHES_IN_A_ROW || this.#window <= 0) return true;
    if (row.until <= this.#now() && !row.probing) {
      row.probing = true;
      return true;
    }
    row.refused += 1;
    this.stats.refused += 1;
    return false;
  }

  /** A request from `key` ended and its runner lived on: the client's row ends. */
  survived(key: string | undefined): void {
    if (key !== undefined) this.#clients.delete(key);
  }

  /**
   * A request from `key` ended without a verdict (its runner was stopped, or died before
   * starting it): if it was the client's probe, the next request may probe again.
   */
  released(key: string | undefined): void {
    if (this.#clients.size === 0) return;
    const row = key === undefined ? undefined : this.#clients.get(key);
    if (row !== undefined) row.probing = false;
  }

  /**
   * A runner died unexpectedly while running requests of `keys` (those it had started;
   * duplicates allowed, `undefined` for clients without a key). Returns the back-offs this
   * crash began; an empty `keys` (or only keyless clients) counts as the pool's crash.
   */
  crashed(keys: ReadonlyArray<string | undefined>): BackoffNotice[] {
    this.stats.crashes += 1;
    const now = this.#now();
    const clients = new Set(keys.filter((key): key is string => key !== undefined));
    if (clients.size === 0) {
      const notice = this.#poolCrashed(now);
      return notice === undefined ? [] : [notice];
    }
    this.stats.attributed += 1;
    if (this.#clients.size > 256) this.#forgetStale(now);
    const notices: BackoffNotice[] = [];
    for (const client of clients) {
      const row = this.#clients.get(client) ?? {
        crashes: 0,
        lastCrash: now,
        until: now,
        probing: false,
        refused: 0,
      };
      this.#clients.set(client, row);
      if (now - row.lastCrash > this.#resetAfter) row.crashes = 0;
      row.crashes += 1;
      row.lastCrash = now;
      row.probing = false;
      if (this.#window > 0 && row.crashes >= CRASHES_IN_A_ROW) {
        row.until = now + this.#window;
        this.stats.clientBackoffs += 1;
        const { crashes, refused } = row;
        row.refused = 0;
        notices.push({ kind: 'client', client, crashes, delayMs: this.#window, refused });
      }
    }
    return notices;
  }

  /** ms before the pool may start a runner (0: now). */
  startDelay(): number {
    if (!this.#poolLimited(this.#now())) return 0;
    return Math.max(0, this.#lastStart + this.#window - this.#now());
  }

  /** The pool started a runner. */
  started(): void {
    this.#lastStart = this.#now();
  }

  #poolLimited(now: number): boolean {
    return (
      this.#window > 0 &&
      this.#poolCrashes >= CRASHES_IN_A_ROW &&
      now - this.#lastPoolCrash <= this.#resetAfter
    );
  }

  #poolCrashed(now: number): BackoffNotice | undefined {
    if (now - this.#lastPoolCrash > this.#resetAfter) this.#poolCrashes = 0;
    this.#poolCrashes += 1;
    this.#lastPoolCrash = now;
    if (!this.#poolLimited(now)) return undefined;
    this.stats.poolBackoffs += 1;
    const delayMs = Math.max(0, this.#lastStart + this.#window - now);
    return { kind: 'pool', crashes: this.#poolCrashes, delayMs, windowMs: this.#window };
  }

  /** Drops the rows of clients neither backing off nor crashed within `resetAfter`. */
  #forgetStale(now: number): void {
    for (const [key, row] of this.#clients) {
      if (row.probing || row.until > now) continue;
      if (now - row.lastCrash > this.#resetAfter) this.#clients.delete(key);
    }
  }
}
