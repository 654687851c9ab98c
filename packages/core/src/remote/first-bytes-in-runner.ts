/**
 * Waiting for a moved connection's first bytes in the runner (issue 20): the server moves a
 * silent socket to a worker thread at once (`ToRunner` `stream` with `firstBytes`), before it
 * read anything — Node moves only a socket that never read — and the worker waits here for the
 * first bytes, up to the first-byte deadline, before any handler runs. No byte then crosses the
 * main thread (the alternative, waiting in the server's process, reads the first chunk there,
 * after which the socket can't move and every byte is relayed: `first-bytes-hand-over.ts`).
 *
 * Nothing is consumed: a `readable` listener makes the stream read into its buffer, and is
 * removed once bytes (or the end) came, which leaves the stream as a fresh one (`flowing`
 * null) for the handler's reader. The bytes' arrival is recorded as request info
 * `firstBytesAt`, so the handler's minimum read rate counts from then. A waiting connection is
 * told apart by the server's pool (`PooledRunner.waiting`): it holds no slot until
 * `first-bytes` says it spoke; its handler then starts once the runner has a free slot
 * (`runner-slots.ts`).
 */
import type { Socket } from 'node:net';
import { attachRequestInfo } from '../request-info.js';

/** How a wait ended; `data`: the handler may start. */
export type RunnerFirstBytesOutcome = 'data' | 'closed' | 'timeout' | 'stopped';

/** The connections of one runner waiting for their first bytes; see the module comment. */
export class RunnerFirstBytes {
  readonly #waiting = new Map<number, (outcome: RunnerFirstBytesOutcome) => void>();

  /** Connections waiting now. */
  get size(): number {
    return this.#waiting.size;
  }

  /**
   * Waits up to `deadline` ms (null: no limit) for `socket`'s first bytes, then calls `then`
   * once with how it ended. On anything but `data` the socket is destroyed here. The caller
   * keeps an `'error'` listener on `socket` (a reset while waiting then ends it as `closed`).
   */
  wait(
    id: number,
    socket: Socket,
    deadline: number | null,
    then: (outcome: RunnerFirstBytesOutcome) => void,
  ): void {
    let timer: NodeJS.Timeout | undefined;
    const done = (outcome: RunnerFirstBytesOutcome) => {
      if (!this.#waiting.delete(id)) return;
      if (timer !== undefined) clearTimeout(timer);
      socket.off('readable', onReadable);
      socket.off('close', onClose);
      if (outcome === 'data') attachRequestInfo(socket, { firstBytesAt: Date.now() });
      else socket.destroy();
      then(outcome);
    };
    const onReadable = () => done(socket.readableLength > 0 ? 'data' : 'closed');
    const onClose = () => done('closed');
    this.#waiting.set(id, done);
    if (socket.destroyed) {
      done('closed');
      return;
    }
    if (deadline !== null) timer = setTimeout(() => done('timeout'), deadline);
    socket.on('readable', onReadable);
    socket.once('close', onClose);
  }

  /** Ends connection `id` if it is still waiting (a drain or cut); false when it is not here. */
  stop(id: number): boolean {
    const done = this.#waiting.get(id);
    if (done === undefined) return false;
    done('stopped');
    return true;
  }
}
