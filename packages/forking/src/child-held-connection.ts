/**
 * What the server's transport sees of a connection a forking child accepted itself
 * (`acceptIn: 'children'`): a `net.Socket` without a handle, with the child's peer address,
 * offered to the transport as the listener's `'connection'` (so the transport counts it,
 * applies its queue, and the serve loop and the one request pipeline own it as any other).
 * Ending or destroying it tells the request's {@link HeldRequest} — the pipeline released it:
 * if the request never reached the strategy (refused by `verifyRequest`, dropped by a close,
 * the queue full), the child is told to cut it. The bytes are all in the child.
 */
import { Socket } from 'node:net';
import { markAcceptedElsewhere } from '@sockserve/core/kit';
import type { ChildAccepted } from './child-protocol.js';
import type { HeldRequest } from './held-request.js';

/** A child's accepted connection as the server's pipeline holds it; see the module comment. */
export class ChildHeldConnection extends Socket {
  /** The request, as the pool counts it on the child. */
  readonly held: HeldRequest;

  constructor(held: HeldRequest, peer: ChildAccepted['peer']) {
    super({ allowHalfOpen: true });
    this.held = held;
    // Queued even when its announcement arrives after the server stopped accepting: the child
    // took it while the socket accepted, and may have answered it already.
    markAcceptedElsewhere(this);
    // Not a socket whose handle moved (core's handleMoved): the transport ends and closes it.
    Object.defineProperty(this, 'pending', { value: false });
    for (const [key, value] of Object.entries(peer)) Object.defineProperty(this, key, { value });
  }

  /** Ended by the server (`shutdownRequest`): nothing to flush here — it is released. */
  override end(): this {
    this.destroy();
    return this;
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.held.released();
    super._destroy(error, callback);
  }
}
