/**
 * A connection another process accepted from this server's listening socket and announced
 * here afterwards (forking's `acceptIn: 'children'`: a child accepts, runs the request, and
 * tells the server). The accept and the announcement are not one step: the server may stop
 * accepting in between (a close begins while the child's message is still in the IPC pipe),
 * yet the connection was taken while the socket accepted and its client may already have its
 * answer. So the transport still queues such a connection after `stopAccepting()` — until it
 * closes — and the close serves (or cuts) it and counts it in its report like any connection
 * accepted before the stop. Python has no counterpart: its forked children never accept.
 */
import type { Duplex } from 'node:stream';

const ACCEPTED_ELSEWHERE = Symbol('sockserve.acceptedElsewhere');

/** Marks `socket` (the stand-in the server's transport gets) as accepted by another process; see the module comment. */
export function markAcceptedElsewhere(socket: Duplex): void {
  (socket as unknown as Record<symbol, boolean>)[ACCEPTED_ELSEWHERE] = true;
}

/** True when `socket` was marked by {@link markAcceptedElsewhere}. */
export function acceptedElsewhere(socket: Duplex): boolean {
  return (socket as unknown as Record<symbol, boolean | undefined>)[ACCEPTED_ELSEWHERE] === true;
}
