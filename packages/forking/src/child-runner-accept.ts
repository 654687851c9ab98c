/**
 * The server's end of `acceptIn: 'children'` for one child (`ChildRunner`'s part of it; the
 * child's end is `child-accept.ts`): the listening handle goes to the child (`listen`; it
 * listens when given the turn, `accept-turn` — see `accept-in-children.ts`), comes
 * back once as the server's own copy (`echo-handle`), and is closed there at the stop
 * (`stop-listening`, acknowledged). A connection the child accepted itself is announced
 * (`accepted`): the server counts it (`ChildAcceptHooks.accepted`) and from then on the
 * child's request {@link ACCEPTED_ID} is that request's id here — translated both ways.
 *
 * A child told to retire may have accepted just before the word reached it: its `accepted`
 * then arrives on a terminating runner. The request is the server's as any other; the
 * runner's exit deadline is lifted (`onLateAccept`), so it isn't killed mid-request, and the
 * pool retires it again once that request finished.
 */
import type { FromRunner, ToRunner } from '@sockserve/core/remote';
import {
  ACCEPTED_ID,
  type ChildAccepted,
  type ChildAcceptTurn,
  type ChildListen,
  type ChildListenFailed,
  type FromChild,
  type ToChild,
} from './child-protocol.js';
import type { ChildRunner } from './child-runner.js';

/** How `acceptIn: 'children'` reaches a child (see `child-accept.ts`, `accept-in-children.ts`). */
export interface ChildAcceptHooks {
  /** The listening handle a new child is given, and its backlog; undefined: none (yet, or any more). */
  listening(): { readonly handle: unknown; readonly backlog: number } | undefined;
  /**
   * `child` accepted a connection itself: returns the request id the server gives it and
   * `admit`, to call once the child knows that id (the request then enters the server's
   * pipeline); undefined: cut it, the server takes no more connections.
   */
  accepted(
    child: ChildRunner,
    message: ChildAccepted,
  ): { readonly id: number; admit(): void } | undefined;
  /** `child` was started (it was given the handle if there is one): it may get the turn to accept. */
  joined(child: ChildRunner): void;
  /** `child` is ready (loaded, warmed up, idle): preferred for the turn to accept. */
  ready(child: ChildRunner): void;
  /** `child` exited: it no longer holds the turn. */
  gone(child: ChildRunner): void;
  /** `child`'s `listen()` on the handle failed (it exits next): report it, pass the turn on. */
  listenFailed(child: ChildRunner, message: ChildListenFailed): void;
}

/** What {@link ChildAcceptLink} needs of its `ChildRunner`. */
export interface ChildAcceptPeer {
  /** Sends to the child (with a handle); false when the channel is closed. */
  send(message: ToChild, handle?: unknown): boolean;
  /** True while the child is connected and not ending. */
  open(): boolean;
  /** Resolves once the child exited. */
  readonly exited: Promise<unknown>;
  /** The child holds request `id` (it accepted it): counted in flight. */
  took(id: number): void;
  /** The child took a connection the server won't count: it is cut there, the child ends after it. */
  refused(): void;
  /** An `accepted` arrived while the runner was being retired: lift its exit deadline. */
  onLateAccept(): void;
}

/** The server's end of `acceptIn: 'children'` for one child; see the module comment. */
export class ChildAcceptLink {
  readonly #peer: ChildAcceptPeer;
  readonly #hooks: ChildAcceptHooks;
  /** The server's id of the connection this child accepted itself (`ACCEPTED_ID` there). */
  #adopted: number | undefined;
  /** Its `accepted` arrived: a child accepts one connection at most, so it has no more to announce. */
  #announced = false;
  /** It was sent the listening handle. */
  #listened = false;
  /** It has the turn to accept. */
  #turn = false;
  #echo: ((handle: unknown) => void) | undefined;
  #stoppedListening: (() => void) | undefined;

  constructor(peer: ChildAcceptPeer, hooks: ChildAcceptHooks) {
    this.#peer = peer;
    this.#hooks = hooks;
  }

  /** Gives the child the listening handle, if the server has one to give now. */
  listenIfListening(): void {
    const listening = this.#hooks.listening();
    if (listening !== undefined) this.listen(listening.handle, listening.backlog);
  }

  /** Gives the child the listening handle; it listens on it once it has the turn. */
  listen(handle: unknown, backlog: number): void {
    if (!this.#peer.open()) return;
    this.#peer.send({ t: 'listen', backlog, turn: this.#turn } satisfies ChildListen, handle);
    this.#listened = true;
  }

  /** The child's turn to listen (once ready) and accept one connection. */
  takeTurn(): void {
    this.#turn = true;
    // Not yet given the handle: the turn goes with it (see ChildListen.turn).
    if (this.#listened && this.#peer.open())
      this.#peer.send({ t: 'accept-turn' } satisfies ChildAcceptTurn);
  }

  /**
   * The server stops accepting: resolves once the child closed its copy (every `accepted` it
   * sent has then arrived), announced the one connection it took (a child busy with it may
   * answer late: the close doesn't wait for that), or exited.
   */
  stopListening(): Promise<void> {
    if (this.#announced) return Promise.resolve();
    return new Promise((resolve) => {
      this.#stoppedListening = resolve;
      void this.#peer.exited.then(() => resolve());
      if (!this.#peer.send({ t: 'stop-listening' })) resolve();
    });
  }

  /** Sends `handle` to the child and resolves with the copy it sends back (undefined: it ended first). */
  echoHandle(handle: unknown): Promise<unknown> {
    return new Promise((resolve) => {
      this.#echo = resolve;
      void this.#peer.exited.then(() => resolve(undefined));
      if (!this.#peer.send({ t: 'echo-handle' }, handle)) resolve(undefined);
    });
  }

  /** Handles the child's accept messages (true: consumed); `terminating`: `runner` is being retired. */
  received(raw: FromChild, handle: unknown, runner: ChildRunner, terminating: boolean): boolean {
    // Seen, not consumed: the pool counts the spare too.
    if (raw.t === 'ready') this.#hooks.ready(runner);
    if (raw.t === 'stopped-listening') {
      this.#stoppedListening?.();
      return true;
    }
    if (raw.t === 'listen-failed') {
      this.#hooks.listenFailed(runner, raw);
      return true;
    }
    if (raw.t === 'echoed') {
      this.#echo?.(handle);
      this.#echo = undefined;
      return true;
    }
    if (raw.t !== 'accepted') return false;
    this.#announced = true;
    this.#adopt(raw, runner, terminating);
    // Its one connection reached the transport (or was cut): nothing more to wait for.
    this.#stoppedListening?.();
    return true;
  }

  #adopt(raw: ChildAccepted, runner: ChildRunner, terminating: boolean): void {
    const adoption = this.#hooks.accepted(runner, raw);
    if (adoption === undefined) {
      // No server to count it (it is closing): cut there; the child exits after it.
      this.#peer.refused();
      this.#peer.send({ t: 'cut', id: ACCEPTED_ID });
      return;
    }
    this.#adopted = adoption.id;
    this.#peer.took(adoption.id);
    if (terminating) this.#peer.onLateAccept();
    adoption.admit();
  }

  /** A message for the child, with the accepted request's id as the child knows it. */
  toChild(message: ToRunner): ToRunner {
    if ('id' in message && message.id !== undefined && message.id === this.#adopted)
      return { ...message, id: ACCEPTED_ID };
    return message;
  }

  /** A message from the child, with the accepted request's id as the server knows it. */
  fromChild(raw: FromRunner): FromRunner {
    if ('id' in raw && raw.id === ACCEPTED_ID && this.#adopted !== undefined)
      return { ...raw, id: this.#adopted };
    return raw;
  }
}
