/** How a runner winds a request down: draining it soon, waiting for its written bytes. */
import type { Duplex } from 'node:stream';
import type { RequestStopper } from '../run-request.js';

/**
 * Drains a request after two turns of the event loop: a request that starts while the server
 * is closing (it was queued) first reads the bytes its client already sent.
 */
export function drainSoon(stopper: RequestStopper): void {
  setImmediate(() => setImmediate(() => stopper.drain()));
}

/** Resolves once everything written to `relay` (or the TLS socket over it) went on (or it closed). */
export function flushed(relay: Duplex): Promise<void> {
  if (relay.destroyed || relay.writableFinished) return Promise.resolve();
  return new Promise((resolve) => {
    relay.once('finish', resolve);
    relay.once('close', resolve);
    if (!relay.writableEnded) relay.end();
  });
}
