/**
 * Handing a stream connection to a runner only once it has bytes to read (issue 20;
 * `RemoteStrategy.waitForFirstBytes`). Until then the connection waits in the server's
 * process — counted by the pipeline as a request in progress, so `maxConnections` and
 * `maxConnectionsPerClient` hold it as they hold any other — with the first-byte deadline the
 * handler would apply (`firstByteTimeout`, else `idleTimeout`, from the handler defaults).
 * Connections whose bytes came wait their turn for a runner's slot in arrival order; one at a
 * time is given a slot, so two never race for the last one. When its first bytes came is
 * recorded as request info `firstBytesAt` (epoch ms), which travels with it: the handler's
 * minimum read rate (`minReadRate`) counts from then, so a slowloris that waited here for a
 * slot is ended as soon as a runner's handler reads from it.
 *
 * Why this and not a runner serving many waiting connections: a child process runs one
 * request at a time (Python's `ForkingMixIn`), and an idle connection held in a runner costs
 * that runner's slot; held here it costs a paused socket on the event loop. Worker threads,
 * which interleave many requests, do hold silent connections — without a slot — where Node
 * moves sockets to them (`first-bytes-in-runner.ts`): a socket read here can't move, and its
 * bytes would be relayed. A protocol where the server speaks first can't work this way — it
 * is off by default.
 */
import type { Socket } from 'node:net';
import { channels } from '../diagnostics.js';
import { attachRequestInfo } from '../request-info.js';
import type { RemoteStopper, RequestJob } from '../strategy.js';
import { waitForFirstBytes } from './first-bytes.js';
import type { HandlerDefaults } from './handler-defaults.js';

/** Gives `job` (its first bytes in its socket's buffer) to a runner. */
export type SendToRunner = (job: RequestJob<unknown>) => void;

/** The deadline a connection may wait for its first byte: as the handler's `rfile` would. */
export function firstByteDeadline(defaults: HandlerDefaults | undefined): number | null {
  return defaults?.firstByteTimeout ?? defaults?.idleTimeout ?? null;
}

/** See the module comment. */
export class FirstBytesHandOver {
  readonly #deadline: number | null;
  readonly #waitForSlot: () => Promise<void>;
  readonly #send: SendToRunner;
  /** Connections with bytes, waiting for a slot, oldest first. */
  readonly #ready: Array<{ job: RequestJob<unknown>; send: RequestJob<unknown> }> = [];
  #pumping = false;
  #closed = false;
  /** How to end each connection still here (waiting for bytes or for a slot). */
  readonly #here = new Set<() => void>();
  /** Connections waiting for their first bytes now (for tests and stats). */
  waiting = 0;

  /** ms a connection may wait for its first byte (null: no limit). */
  get deadline(): number | null {
    return this.#deadline;
  }

  constructor(deadline: number | null, waitForSlot: () => Promise<void>, send: SendToRunner) {
    this.#deadline = deadline;
    this.#waitForSlot = waitForSlot;
    this.#send = send;
  }

  /** Takes `job` (a stream request): waits for its first bytes, then queues it for a slot. */
  accept(job: RequestJob<unknown>): void {
    const socket = job.request as Socket;
    if (this.#closed) {
      job.executeElsewhere({ cut: () => {}, drain: () => {} });
      void job.settle();
      return;
    }
    const wait = waitForFirstBytes(socket, this.#deadline);
    let stopper: RemoteStopper | undefined;
    let ended = false;
    const end = (error?: Error) => {
      this.#here.delete(closeHere);
      if (ended) return;
      ended = true;
      const index = this.#ready.findIndex((entry) => entry.job === job);
      if (index >= 0) this.#ready.splice(index, 1);
      void job.settle(error);
    };
    // Until a runner has it, draining or cutting ends it here (nothing was started).
    const endHere = (error?: Error) => {
      wait.stop();
      end(error);
    };
    const closeHere = () => endHere();
    this.#here.add(closeHere);
    job.executeElsewhere({
      cut: (reason) => (stopper === undefined ? endHere(reason) : stopper.cut(reason)),
      drain: () => (stopper === undefined ? endHere() : stopper.drain()),
    });
    this.waiting += 1;
    void wait.result.then((outcome) => {
      this.waiting -= 1;
      if (ended) return;
      if (outcome.kind === 'data') {
        attachRequestInfo(socket, { firstBytesAt: Date.now() });
        this.#ready.push({
          job,
          // What the runner side sees: the pipeline's job, with the stopper kept here.
          send: {
            request: job.request,
            clientAddress: job.clientAddress,
            execute: () => job.execute(),
            executeElsewhere: (remote) => {
              stopper = remote;
              this.#here.delete(closeHere);
            },
            settle: (error) => {
              ended = true;
              return job.settle(error);
            },
          },
        });
        void this.#pump();
        return;
      }
      if (outcome.kind === 'timeout' && channels.idle.hasSubscribers) {
        channels.idle.publish({
          request: socket,
          reason: 'first-byte-timeout',
          timeout: this.#deadline,
        });
      }
      end();
    });
  }

  /**
   * The strategy is closing: connections still here end now (the pipeline normally drained
   * them already) and none is handed to a runner any more.
   */
  close(): void {
    this.#closed = true;
    for (const closeHere of [...this.#here]) closeHere();
  }

  /** Hands ready connections to runners one at a time, each once a slot is free. */
  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#ready.length > 0) {
        await this.#waitForSlot();
        if (this.#closed) return;
        const next = this.#ready.shift();
        if (next !== undefined) this.#send(next.send);
      }
    } finally {
      this.#pumping = false;
    }
  }
}
