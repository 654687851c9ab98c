/**
 * Shedding connections when the process runs out of file descriptors, visibly. Left alone,
 * libuv handles EMFILE on accept with its reserve-descriptor trick: it accepts and closes
 * every pending connection and tells nobody, so clients get a bare end-of-stream and the
 * server has no count, no event and no warning. sockserve keeps a little headroom instead:
 * a connection accepted into one of the last descriptors is reset at once (it still had a
 * descriptor, so it can be counted), and accept errors Node does report are counted too.
 * Either way `stats.shed` grows and a warning is printed at most once a second while it lasts.
 */
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { descriptorLimit } from './platform.js';

/** The descriptors kept free for the rest of the process: 1/16 of the limit, 8 to 64. */
export function descriptorHeadroom(limit: number): number {
  return Math.min(64, Math.max(8, Math.floor(limit / 16)));
}

/** Tells whether an accepted connection took one of the last free descriptors. */
export class DescriptorGuard {
  readonly #threshold: number;

  constructor(limit: number | undefined = descriptorLimit()) {
    this.#threshold =
      limit === undefined ? Number.POSITIVE_INFINITY : limit - descriptorHeadroom(limit);
  }

  /**
   * True when `socket`'s descriptor is at or past the threshold. Descriptors are allocated
   * lowest-free, so descriptor `n` means `0 … n-1` are all open.
   */
  exhausted(socket: Socket): boolean {
    return this.exhaustedFd((socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd);
  }

  /** True when descriptor `fd` is at or past the threshold (`false` for a non-number). */
  exhaustedFd(fd: unknown): boolean {
    return typeof fd === 'number' && fd >= this.#threshold;
  }
}

/** The minimum time between two shedding warnings (ms). */
export const SHED_WARNING_INTERVAL = 1000;

/** Prints `SOCKSERVE_SHED` process warnings, at most one per {@link SHED_WARNING_INTERVAL}. */
export class ShedWarning {
  readonly #describe: string;
  #last = Number.NEGATIVE_INFINITY;
  #sinceLast = 0;

  constructor(describe: string) {
    this.#describe = describe;
  }

  /** Notes one shed connection; warns unless a warning went out less than a second ago. */
  note(reason: string): void {
    this.#sinceLast += 1;
    const now = performance.now();
    if (now - this.#last < SHED_WARNING_INTERVAL) return;
    this.#last = now;
    const count = this.#sinceLast;
    this.#sinceLast = 0;
    process.emitWarning(
      `sockserve: shedding connections on ${this.#describe}: ${reason} (${count} since the last warning; see stats.shed)`,
      { code: 'SOCKSERVE_SHED' },
    );
  }
}
