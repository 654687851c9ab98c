/**
 * The messages a forking child gets besides the shared runner protocol (`ToRunner` from
 * `@sockserve/core/remote`): its start-up settings first, and `retire` — finish what you hold,
 * then exit. A stream request whose socket travels as a handle says so (`moved`), so a child
 * can tell "the socket didn't make it" (the client was gone) from "bytes will be relayed".
 */
import type { RunnerInit, ToRunner } from '@sockserve/core/remote';

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

/** Server → child. */
export type ToChild = ToRunner | ChildStart | ChildRetire | MovedStream;
