/**
 * The errors a server's `handleError()` (Python's `handle_error`) received, collected by
 * replacing it, and a promise for the moment a given number arrived: the suites wait on that
 * instead of polling for a fixed time, which a loaded machine or a strategy that starts a
 * child per request can outlast.
 */
import type { SocketAddress } from '@sockserve/core';
import type { AnyServer } from './harness.js';

/** One call of `handleError()`. */
export interface HandledError {
  readonly address: SocketAddress;
  readonly error: unknown;
}

/** What {@link collectHandledErrors} gives. */
export interface HandledErrors {
  /** Every call so far, in order. */
  readonly calls: readonly HandledError[];
  /** Resolves once `count` calls were made (at once if they were). */
  reached(count: number): Promise<void>;
}

/** Replaces `server.handleError` with a collector; see the module comment. */
export function collectHandledErrors(server: AnyServer): HandledErrors {
  const calls: HandledError[] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  server.handleError = (_request: unknown, address: SocketAddress, error: unknown) => {
    calls.push({ address, error });
    for (const waiter of waiters.filter((w) => calls.length >= w.count)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  };
  return {
    calls,
    reached(count) {
      if (calls.length >= count) return Promise.resolve();
      const { promise, resolve } = Promise.withResolvers<void>();
      waiters.push({ count, resolve });
      return promise;
    },
  };
}
