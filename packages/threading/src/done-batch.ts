/**
 * How a worker thread posts its messages to the server: every `done` (a request ended) of one
 * event-loop turn goes in one `postMessage`, not one each. A message costs both threads a fixed
 * price whatever it holds (serialising, waking the other loop, Node's event dispatch: ~40 µs of
 * CPU per TLS handshake in a profile, issue 16), and a worker busy with handshakes often ends
 * several connections in one turn. The other messages (a relay's bytes, `ready`, `shutdown`,
 * `exiting`) go at once, after the `done`s gathered so far: the server sees every message in the
 * order the runner posted it. The `done`s of a turn leave in its check phase (`setImmediate`),
 * before the loop waits again, so nothing is held longer than the turn that produced it.
 */
import type { FromRunner } from '@sockserve/core/remote';

/** What the worker posts: one message, or the `done` messages of one turn, in order. */
export type WorkerPost = FromRunner | readonly FromRunner[];

/** Calls `listener` with each message of `post`, in order (the server's side of {@link DoneBatch}). */
export function eachMessage(post: WorkerPost, listener: (message: FromRunner) => void): void {
  if (!Array.isArray(post)) {
    listener(post as FromRunner);
    return;
  }
  for (const message of post) listener(message);
}

/** Gathers a turn's `done` messages into one post; see the module comment. */
export class DoneBatch {
  readonly #send: (post: WorkerPost) => void;
  #done: FromRunner[] = [];
  #scheduled = false;
  readonly #flushTurn = () => {
    this.#scheduled = false;
    this.flush();
  };

  /** `send` posts to the server (`port.postMessage`). */
  constructor(send: (post: WorkerPost) => void) {
    this.#send = send;
  }

  /** Posts `message`: a `done` at the end of this turn, anything else now (after those held). */
  post(message: FromRunner): void {
    if (message.t === 'done') {
      this.#done.push(message);
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(this.#flushTurn);
      }
      return;
    }
    this.flush();
    this.#send(message);
  }

  /** Posts the `done` messages held now (before the thread exits, say). */
  flush(): void {
    const done = this.#done;
    if (done.length === 0) return;
    this.#done = [];
    this.#send(done.length === 1 ? (done[0] as FromRunner) : done);
  }
}
