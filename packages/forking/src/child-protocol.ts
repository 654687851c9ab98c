/**
 * The messages a forking child gets besides the shared runner protocol (`ToRunner` from
 * `@sockserve/core/remote`): its start-up settings first, and `retire` — finish what you hold,
 * then exit. A stream request whose socket travels as a handle says so (`moved`), so a child
 * can tell "the socket didn't make it" (the client was gone) from "bytes will be relayed".
 *
 * With `acceptIn: 'children'` (see `child-accept.ts`) a child also gets the server's listening
 * handle (`listen`), and when its turn comes (`accept-turn`) accepts one connection from it
 * itself and says so (`accepted`); the
 * request it runs has the id {@link ACCEPTED_ID} in the child, translated by `ChildRunner`.
 */
import type { SocketAddress } from '@sockserve/core';
import type { FromRunner, RunnerInit, ToRunner } from '@sockserve/core/remote';

/** The first message to a child (what a Python child inherits from `fork()`: the handler, the server). */
export interface ChildStart {
  readonly t: 'start';
  readonly init: RunnerInit;
  /** Python's semantics: exit after one request, with status 0 (handled) or 1 (raised). */
  readonly exitAfterRequest: boolean;
}

/** Finish the requests in hand and the connections still closing, then exit (Python's child ends with `os._exit()`). */
export interface ChildRetire {
  readonly t: 'retire';
}

/** A stream request sent together with its socket handle. */
export type MovedStream = Extract<ToRunner, { t: 'stream' }> & { readonly moved: true };

/**
 * `acceptIn: 'children'`: the listening handle comes with this message — hold it, and listen on
 * it (`backlog`: the listen backlog to keep) once told it is your turn ({@link ChildAcceptTurn}).
 */
export interface ChildListen {
  readonly t: 'listen';
  readonly backlog: number;
  /**
   * The turn comes with the handle ({@link ChildAcceptTurn}): a message sent after a handle
   * waits for the child's acknowledgement of it, which this process's event loop must read.
   */
  readonly turn: boolean;
}

/**
 * `acceptIn: 'children'`: your turn — listen on the handle as soon as you are ready (and hold
 * it) and accept one connection from it. One spare at a time has the turn, so a connection
 * wakes one process, not every spare (the herd).
 */
export interface ChildAcceptTurn {
  readonly t: 'accept-turn';
}

/** `acceptIn: 'children'`: the server stops accepting — close your copy of the listening handle, say so. */
export interface ChildStopListening {
  readonly t: 'stop-listening';
}

/** Send the handle that comes with this message straight back (the server keeps that copy). */
export interface ChildEchoHandle {
  readonly t: 'echo-handle';
}

/** Server → child. */
export type ToChild =
  | ToRunner
  | ChildStart
  | ChildRetire
  | MovedStream
  | ChildListen
  | ChildAcceptTurn
  | ChildStopListening
  | ChildEchoHandle;

/** The id a child gives the one connection it accepted itself (the server's ids start at 0; the warm-up's is -1). */
export const ACCEPTED_ID = -2;

/** Child → server: it accepted a connection itself and runs it as request {@link ACCEPTED_ID}. */
export interface ChildAccepted {
  readonly t: 'accepted';
  readonly clientAddress: SocketAddress;
  /** The connection's peer as `net.Socket` shows it (for the server's transport to read the address again). */
  readonly peer: {
    readonly remoteAddress: string | undefined;
    readonly remotePort: number | undefined;
    readonly remoteFamily: string | undefined;
  };
}

/** Child → server: the echoed handle (`echo-handle`). */
export interface ChildEchoed {
  readonly t: 'echoed';
}

/** Child → server: it closed its copy of the listening handle (after any `accepted` it sent). */
export interface ChildStoppedListening {
  readonly t: 'stopped-listening';
}

/**
 * Child → server: `listen()` on the listening handle failed — this child can't accept; it
 * exits with status 1 once this is sent, and the turn goes to another spare.
 */
export interface ChildListenFailed {
  readonly t: 'listen-failed';
  /** The error's `code` (`EINVAL`, `EBADF`…), if it has one. */
  readonly code: string | undefined;
  readonly message: string;
}

/** Child → server. */
export type FromChild =
  | FromRunner
  | ChildAccepted
  | ChildEchoed
  | ChildStoppedListening
  | ChildListenFailed;
