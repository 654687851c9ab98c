/**
 * Where a server is in Python's lifecycle — not bound, binding, bound, activating, active,
 * closing, closed — and the promise `ready` waits on. `BaseServer` keeps one
 * {@link ServerLifecycle}: its bind and activate steps move it forward, `serveForever()` and
 * `handleRequest()` wait on it, and a close lets a step in progress finish first so that what
 * it opened is closed too. (Python's `BaseServer` has no explicit state: its methods assume
 * the caller got the order right.)
 */
import { ServerStateError } from './errors.js';

/**
 * The server's state, one of: not bound yet; binding or activating (`pending` is the step in
 * progress, which a close lets finish first); bound; active (serving); closing; closed.
 * `failed` keeps why binding or activating failed: what `serveForever()` then rejects with.
 */
export type ServerState =
  | { readonly kind: 'new' }
  | { readonly kind: 'binding' | 'activating'; readonly pending: Promise<void> }
  | { readonly kind: 'bound' | 'active' }
  | { readonly kind: 'closing' }
  | { readonly kind: 'closed'; readonly failed?: { readonly error: unknown } };

/** One server's lifecycle state; see the module comment. */
export class ServerLifecycle {
  state: ServerState = { kind: 'new' };
  /** Settled once the server is active (resolved) or will never be (rejected). */
  readonly activated = Promise.withResolvers<void>();
  /** `bindAndActivate`: the constructor schedules the bind. */
  readonly autoBind: boolean;

  constructor(autoBind: boolean) {
    this.autoBind = autoBind;
    this.activated.promise.catch(() => {});
  }

  /**
   * Runs a bind or activation step (`run`) in state `kind`: the state is set before the step
   * starts, so a step that fails at once (even synchronously) leaves the server `closed` by its
   * own {@link failStart} and not `binding`. A close waits on `pending`, which settles when the
   * step does, either way.
   */
  async step(kind: 'binding' | 'activating', run: () => Promise<void>): Promise<void> {
    const done = Promise.withResolvers<void>();
    this.state = { kind, pending: done.promise };
    try {
      await run();
    } finally {
      done.resolve();
    }
  }

  /** Binding or activating failed: the server is closed, and `ready` rejects with `error`. */
  failStart(error: unknown): void {
    this.state = { kind: 'closed', failed: { error } };
    this.activated.reject(error);
  }

  /** Resolves once the server is active; rejects with why it never will be. */
  async whenActive(): Promise<void> {
    const state = this.state;
    if (state.kind === 'active') return;
    if (state.kind === 'closed' && state.failed !== undefined) throw state.failed.error;
    if (state.kind === 'new' && !this.autoBind) {
      throw new ServerStateError(
        'the server is not bound: call serverBind() and serverActivate() first',
      );
    }
    await this.activated.promise;
    if (this.state.kind !== 'active') throw new ServerStateError('the server was closed');
  }

  /** Throws a `ServerStateError` naming `what` unless the server is in state `expected`. */
  expect(expected: ServerState['kind'], what: string): void {
    if (this.state.kind !== expected) {
      throw new ServerStateError(
        `${what} needs a ${expected} server; this one is ${this.state.kind}`,
      );
    }
  }

  /**
   * A close begins: lets a bind or activation in progress finish (so that what it opens is
   * closed too), marks the server closing and `ready` rejected. Returns whether it was active
   * (then requests may be queued).
   */
  async beginClose(): Promise<boolean> {
    if (this.autoBind && this.state.kind !== 'closed') await this.activated.promise.catch(() => {});
    const state = this.state;
    if (state.kind === 'binding' || state.kind === 'activating')
      await state.pending.catch(() => {});
    const served = this.state.kind === 'active';
    if (this.state.kind !== 'closed') this.state = { kind: 'closing' };
    this.activated.reject(new ServerStateError('the server was closed'));
    return served;
  }

  /** The close is done. */
  endClose(): void {
    if (this.state.kind === 'closing') this.state = { kind: 'closed' };
  }
}
