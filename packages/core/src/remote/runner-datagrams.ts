/**
 * The datagram requests of one runner (`RequestRunner`): each runs its handler here with a
 * `RemoteDatagramRequest` whose `reply()` goes back to the server (`reply`), which sends it
 * from its own socket and answers `replied`; the request's end is reported with `done`.
 */
import type { SocketAddress } from '../address.js';
import { attachRequestInfo, type RequestInfo, reviveRequestInfo } from '../request-info.js';
import { type FromRunner, type RemoteErrorInfo, toRemoteError } from './protocol.js';
import { RemoteDatagramRequest } from './remote-datagram-request.js';
import { fromRemoteError } from './remote-error.js';

type Settle = { resolve: () => void; reject: (error: Error) => void };

/** Runs one request's handler in the runner (`RequestRunner.#run`). */
export type RunHandler = (
  id: number,
  request: unknown,
  clientAddress: SocketAddress,
) => Promise<void>;

/** See the module comment. */
export class RunnerDatagrams {
  readonly #post: (message: FromRunner) => void;
  readonly #run: RunHandler;
  readonly #replies = new Map<number, Settle>();

  constructor(post: (message: FromRunner) => void, run: RunHandler) {
    this.#post = post;
    this.#run = run;
  }

  /** The server sent datagram `id` (a `datagram` message): runs its handler, then `done`. */
  async run(
    id: number,
    data: Uint8Array,
    clientAddress: SocketAddress,
    canReply: boolean,
    info: RequestInfo | undefined,
  ): Promise<void> {
    const request = new RemoteDatagramRequest(
      data,
      canReply,
      (payload) =>
        new Promise<void>((resolve, reject) => {
          this.#replies.set(id, { resolve, reject });
          this.#post({ t: 'reply', id, data: payload });
        }),
    );
    if (info !== undefined) attachRequestInfo(request, reviveRequestInfo(info));
    let error: unknown;
    try {
      await this.#run(id, request, clientAddress);
    } catch (e) {
      error = e;
    }
    this.#post({ t: 'done', id, error: error === undefined ? undefined : toRemoteError(error) });
  }

  /** The server sent datagram `id`'s reply (a `replied` message): its `reply()` settles. */
  replied(id: number, error: RemoteErrorInfo | undefined): void {
    const settle = this.#replies.get(id);
    this.#replies.delete(id);
    if (error === undefined) settle?.resolve();
    else settle?.reject(fromRemoteError(error, 'the server'));
  }
}
