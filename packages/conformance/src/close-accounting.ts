/**
 * The close-accounting cases every transport runs under every strategy: at a close,
 * `accepted = finished + cut + refused + dropped + detached`, and `sockserve:request.end`
 * carries the error of every request that did not finish — a cut one included.
 */
import diagnostics from 'node:diagnostics_channel';
import type { CloseReport } from '@sockserve/core';
import { expect } from 'vitest';
import type { AnyServer } from './harness.js';

/** The `request.end` messages one server publishes, collected until `stop()`. */
export function collectRequestEnds(server: AnyServer) {
  const ends: Array<{ error: unknown }> = [];
  const listener = (message: unknown) => {
    const end = message as { server: unknown; error: unknown };
    if (end.server === server) ends.push({ error: end.error });
  };
  diagnostics.subscribe('sockserve:request.end', listener);
  return { ends, stop: () => diagnostics.unsubscribe('sockserve:request.end', listener) };
}

/** Refuses the `n`th request (0-based) through `verifyRequest`, accepts every other. */
export function refuseNth(server: AnyServer, n: number): void {
  let seen = 0;
  server.verifyRequest = () => seen++ !== n;
}

/**
 * Checks the report of a close that ran with two echoed requests, one refused and one cut:
 * the sum holds, each part is what happened, and `request.end` said so.
 */
export function expectAccountedClose(report: CloseReport, ends: ReadonlyArray<{ error: unknown }>) {
  const { accepted, finished, cut, refused, dropped, detached } = report;
  expect(accepted).toBe(finished + cut + refused + dropped + detached);
  expect(report).toMatchObject({
    accepted: 4,
    finished: 2,
    failed: 0,
    cut: 1,
    refused: 1,
    dropped: 0,
    detached: 0,
  });
  expect(ends).toHaveLength(4);
  const errors = ends.map(({ error }) => error).filter((error) => error !== undefined);
  expect(errors).toEqual([expect.objectContaining({ code: 'ERR_SOCKSERVE_REQUEST_CUT' })]);
}
