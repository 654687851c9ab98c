/**
 * How `RemoteStrategy` hands one request to a runner of its pool and carries its outcome back:
 * a stream request moves there whole (or silent, to wait there for its first bytes) or has its
 * bytes relayed; a datagram goes as a message and its replies come back to leave from the
 * server's socket. The runner's `done` settles the job; the pipeline ends the request.
 */
import { channels } from '../diagnostics.js';
import { requestInfo } from '../request-info.js';
import type { RemoteStopper, RequestJob, StrategyHost } from '../strategy.js';
import type { DatagramRequest, StreamRequest } from '../transport.js';
import { type FromRunner, type ToRunner, toRemoteError } from './protocol.js';
import { detachReadBytes } from './read-bytes.js';
import { fromRemoteError } from './remote-error.js';
import type { Runner } from './runner.js';
import type { RunnerPool } from './runner-pool.js';
import { SocketRelay } from './socket-relay.js';

/**
 * How the pipeline cuts or drains job `id` on `runner` (`RequestJob.executeElsewhere`): a cut
 * goes through the pool (which kills the runner past its grace), a drain straight to it. Also
 * for jobs a runner took by itself (a forking child's own accept).
 */
export function remoteStopper(pool: RunnerPool, id: number, runner: Runner): RemoteStopper {
  return {
    cut: () => pool.cut(id),
    drain: () => runner.post({ t: 'drain', id }),
  };
}

/**
 * Runs a stream request on a runner: the socket moved there, or relayed. With `silent` (a
 * first-byte deadline) it only moves (false when it can't, nothing done).
 */
export function runStream(
  pool: RunnerPool,
  job: RequestJob<unknown>,
  socket: StreamRequest,
  host: StrategyHost | undefined,
  silent?: number | null,
): boolean {
  let relay: SocketRelay | undefined;
  let settled = false;
  const finish = (error: Error | undefined) => {
    if (settled) return;
    settled = true;
    relay?.stop();
    pool.finished(id);
    void job.settle(error);
  };
  const { id, runner } = pool.assign(
    {
      clientAddress: job.clientAddress,
      receive: (message: FromRunner) => {
        if (message.t === 'done') {
          if (message.preamble !== undefined)
            host?.runnerPreamble?.settledElsewhere(message.preamble, job.clientAddress);
          if (message.refused !== undefined)
            host?.connectionUpgrade?.refusedElsewhere(message.refused, job.clientAddress);
          if (message.idle !== undefined) publishIdle(socket, message.idle, silent);
          finish(message.error && fromRemoteError(message.error, runner.name));
        } else if (message.t === 'first-bytes') pool.spoke(id);
        else relay?.receive(message);
      },
      fail: finish,
    },
    silent !== undefined,
  );
  // Bytes already read here (past a PROXY header, say) travel with the request.
  const detached = silent === undefined ? detachReadBytes(socket) : undefined;
  const message: ToRunner = {
    t: 'stream',
    id,
    clientAddress: job.clientAddress,
    ...(detached === undefined ? {} : { head: detached.head }),
    ...withInfo(socket),
    ...(silent === undefined ? {} : { firstBytes: silent }),
  };
  // The request goes first: a drain or cut the pipeline sends at once (the server is already
  // closing) must reach the runner after it, or the runner would not know the id yet.
  if (!runner.postWithSocket(message, socket)) {
    if (silent !== undefined) {
      // This kind of socket can't move (a Unix socket): undone, it waits in this process.
      settled = true;
      pool.withdraw(id);
      return false;
    }
    relay = new SocketRelay(id, socket, (m) => runner.post(m));
    runner.post(message);
    detached?.resume();
    relay.start();
  }
  job.executeElsewhere(remoteStopper(pool, id, runner));
  return true;
}

/** A silent connection a runner ended at its first-byte deadline, published as the hand-over does. */
function publishIdle(
  request: unknown,
  reason: 'first-byte-timeout',
  timeout: number | null | undefined,
) {
  if (channels.idle.hasSubscribers) channels.idle.publish({ request, reason, timeout });
}

/**
 * Runs a datagram request on a runner: sent as a message; its replies come back to leave from
 * the server's own socket.
 */
export function runDatagram(
  pool: RunnerPool,
  job: RequestJob<unknown>,
  datagram: DatagramRequest,
): void {
  let settled = false;
  const finish = (error: Error | undefined) => {
    if (settled) return;
    settled = true;
    pool.finished(id);
    void job.settle(error);
  };
  const { id, runner } = pool.assign({
    clientAddress: job.clientAddress,
    receive: (message: FromRunner) => {
      if (message.t === 'reply') {
        datagram.reply(message.data).then(
          () => runner.post({ t: 'replied', id, error: undefined }),
          (error: unknown) => runner.post({ t: 'replied', id, error: toRemoteError(error) }),
        );
      } else if (message.t === 'done') {
        finish(message.error && fromRemoteError(message.error, runner.name));
      }
    },
    fail: finish,
  });
  runner.post({
    t: 'datagram',
    id,
    data: datagram.data,
    clientAddress: job.clientAddress,
    canReply: datagram.canReply,
    ...withInfo(datagram),
  });
  job.executeElsewhere(remoteStopper(pool, id, runner));
}

/** `{ info }` when the transport recorded facts about `request`, else nothing. */
function withInfo(request: unknown) {
  const info = requestInfo(request);
  return info === undefined ? {} : { info };
}
