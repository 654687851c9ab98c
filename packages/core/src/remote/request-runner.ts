/**
 * The runner side (a worker thread or a child process): loads the handler from its location,
 * then runs each request it is sent with the same request objects the in-process strategies
 * give — a real socket when the server could move it here, a `RelayDuplex` otherwise, a
 * datagram request whose `reply()` goes back through the server — and reports how each ended.
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { SocketAddress } from '../address.js';
import type { ConnectionPreamble } from '../connection-preamble.js';
import { loadRunnerUpgrade, type RunnerConnectionUpgrade } from '../connection-upgrade.js';
import { RequestCutError } from '../errors.js';
import { closeGracefully } from '../graceful-close.js';
import { type RequestHandlerClass, resolveHandler } from '../handler.js';
import { markRunner } from '../nested-server-guard.js';
import { attachRequestInfo, type RequestInfo, reviveRequestInfo } from '../request-info.js';
import { type RequestStopper, runRequestHandler } from '../run-request.js';
import { loadRunnerPreamble, type RunnerPreambleReport } from '../runner-preamble.js';
import { RunnerFirstBytes } from './first-bytes-in-runner.js';
import { applyHandlerDefaults } from './handler-defaults.js';
import { type FromRunner, type RunnerInit, type ToRunner, toRemoteError } from './protocol.js';
import { restoreReadBytes } from './read-bytes.js';
import { deliverToRelay, RelayDuplex } from './relay-duplex.js';
import { RemoteServer } from './remote-server.js';
import { RunnerDatagrams } from './runner-datagrams.js';
import { drainSoon, flushed } from './runner-request-end.js';
import { RunnerSlots } from './runner-slots.js';
import { startStream } from './runner-stream-start.js';
import { upgradeStream } from './runner-stream-upgrade.js';

/** Runs requests sent by a server; see the module comment. */
export class RequestRunner {
  readonly #init: RunnerInit;
  readonly #post: (message: FromRunner) => void;
  readonly #where: string;
  readonly #server: RemoteServer;
  #Handler: RequestHandlerClass | undefined;
  #upgrade: RunnerConnectionUpgrade | undefined;
  /** The server's preamble, run here before the upgrade (a PROXY header, `parseIn: 'runner'`). */
  #preamble: ConnectionPreamble | undefined;
  /** Connections in their upgrade (a TLS handshake), by id: a cut destroys them. */
  readonly #upgrading = new Map<number, Duplex>();
  readonly #relays = new Map<number, RelayDuplex>();
  /** Datagram requests and their replies (see runner-datagrams.ts). */
  readonly #datagrams: RunnerDatagrams;
  readonly #shutdowns = new Map<number, () => void>();
  #nextCall = 0;
  /** Messages that arrived before the handler loaded. */
  readonly #early: ToRunner[] = [];
  /** Stoppers of the requests running here, by id, to drain or cut them one by one. */
  readonly #stoppers = new Map<number, RequestStopper>();
  /** Requests started here (handed to a handler), for the `exiting` message. */
  readonly #started = new Set<number>();
  /** Drains or cuts that arrived before their request's handler started. */
  readonly #due = new Map<number, 'drain' | 'cut'>();
  /** Handlers at once, kept here when silent connections may wait here (runner-slots.ts). */
  readonly #slots: RunnerSlots;
  /** Moved connections still silent, waiting for their first bytes before a handler runs. */
  readonly #silent = new RunnerFirstBytes();
  /** What a stream in its preamble joins (see runner-stream-start.ts). */
  readonly #streams = { started: this.#started, upgrading: this.#upgrading, due: this.#due };

  /** `where` names this runner in rebuilt errors (`worker 2`, `child 4711`). */
  constructor(init: RunnerInit, post: (message: FromRunner) => void, where: string) {
    this.#init = init;
    this.#post = post;
    this.#datagrams = new RunnerDatagrams(post, (id, request, clientAddress) =>
      this.#run(id, request, clientAddress),
    );
    this.#where = where;
    this.#slots = new RunnerSlots(init.slots, post);
    this.#server = new RemoteServer(init, this);
    markRunner(where); // before the handler module is imported: a server it starts throws
  }

  /** Imports the handler and reports `ready` or `init-error`; false when it failed. */
  async load(): Promise<boolean> {
    try {
      const Handler = await resolveHandler(this.#init.handler);
      this.#upgrade = await loadRunnerUpgrade(this.#init.upgrade);
      this.#preamble = await loadRunnerPreamble(this.#init.preamble);
      applyHandlerDefaults(Handler, this.#init.handlerDefaults);
      // Last: receive() holds messages back until the handler is set, so none runs without
      // the upgrade or the preamble (or a settings update is dropped) while those still import.
      this.#Handler = Handler;
      this.#post({ t: 'ready' });
      // Requests the pool sent while the handler was still loading run now, in order.
      for (const early of this.#early.splice(0)) this.receive(early);
      return true;
    } catch (error) {
      this.#post({ t: 'init-error', error: toRemoteError(error) });
      return false;
    }
  }

  /** Applies one message from the server (queued until the handler has loaded). */
  receive(message: ToRunner): void {
    if (this.#Handler === undefined) {
      this.#early.push(message);
      return;
    }
    switch (message.t) {
      case 'stream': {
        const { id, clientAddress, head, info } = message;
        const socket = message.socket as Socket | undefined;
        // Moved here whole, this side owns it: a reset, waiting or running, ends it quietly.
        socket?.on('error', ignoreError);
        const start = () => void this.#runStream(id, clientAddress, socket, head, info);
        // A moved socket may wait for a slot (runner-slots.ts); a relayed stream can't.
        const cancel = socket && (() => this.#endUnstarted(id, socket));
        const enter = () => this.#slots.enter(id, start, cancel);
        if (socket === undefined || message.firstBytes === undefined) enter();
        else this.#waitForFirstBytes(id, socket, message.firstBytes, enter);
        return;
      }
      case 'data':
      case 'eof':
      case 'abort':
      case 'written':
        deliverToRelay(this.#relays.get(message.id), message);
        return;
      case 'datagram':
        void this.#datagrams.run(
          message.id,
          message.data,
          message.clientAddress,
          message.canReply,
          message.info,
        );
        return;
      case 'replied':
        this.#datagrams.replied(message.id, message.error);
        return;
      case 'drain': {
        if (this.#silent.stop(message.id)) return;
        const stopper = this.#stoppers.get(message.id);
        if (stopper !== undefined) drainSoon(stopper);
        // Started (in its preamble or upgrade), or spoke and waits for a slot: drained at start.
        else if (this.#started.has(message.id) || this.#slots.waits(message.id))
          this.#due.set(message.id, 'drain');
        return;
      }
      case 'cut': {
        if (this.#silent.stop(message.id) || this.#slots.cancel(message.id)) return;
        const stopper = this.#stoppers.get(message.id);
        if (stopper !== undefined) stopper.cut(new RequestCutError());
        else if (this.#started.has(message.id)) {
          this.#due.set(message.id, 'cut');
          this.#upgrading.get(message.id)?.destroy();
        }
        return;
      }
      case 'upgrade-settings':
        this.#upgrade?.update(message.settings);
        return;
      case 'shutdown-done':
        this.#shutdowns.get(message.call)?.();
        this.#shutdowns.delete(message.call);
        return;
    }
  }

  /** Waits for a silent moved socket's first bytes (see `first-bytes-in-runner.ts`). */
  #waitForFirstBytes(id: number, socket: Socket, deadline: number | null, start: () => void) {
    this.#silent.wait(id, socket, deadline, (outcome) => {
      if (outcome === 'data') {
        this.#post({ t: 'first-bytes', id });
        start();
        return;
      }
      const idle = outcome === 'timeout' ? { idle: 'first-byte-timeout' as const } : {};
      this.#post({ t: 'done', id, error: undefined, ...idle });
    });
  }

  /** Ends moved connection `id`, which spoke but waited for a slot, unstarted (a cut). */
  #endUnstarted(id: number, socket: Socket): void {
    this.#due.delete(id); // a drain noted for it while it waited; #run's finally never runs
    socket.destroy();
    this.#post({ t: 'done', id, error: undefined });
  }

  /** The ids of the requests started here and not yet done (for the `exiting` message). */
  running(): number[] {
    return [...this.#started];
  }

  /** Sends a shutdown request to the server (for `RemoteServer.shutdown()`). */
  requestShutdown(): Promise<void> {
    const call = this.#nextCall++;
    return new Promise((resolve) => {
      this.#shutdowns.set(call, resolve);
      this.#post({ t: 'shutdown', call });
    });
  }

  async #runStream(
    id: number,
    clientAddress: SocketAddress,
    socket: Socket | undefined,
    head: Uint8Array | undefined,
    info: RequestInfo | undefined,
  ): Promise<void> {
    let error: unknown;
    let refused: unknown;
    let preamble: RunnerPreambleReport | undefined;
    /** The upgraded stream (TLS) the handler got, which closes first. */
    let upgraded: Duplex | undefined;
    /** Upgrades the connection (TLS) before the handler; a refused one has no handler. */
    const serve = async (stream: Duplex): Promise<void> => {
      if (this.#preamble !== undefined) {
        const start = await startStream(this.#preamble, stream, clientAddress, id, this.#streams);
        preamble = start.report;
        if (start.cut) throw new RequestCutError();
        if (start.clientAddress === undefined) return; // refused: reset, no handler
        clientAddress = start.clientAddress;
      }
      if (this.#upgrade === undefined) return this.#run(id, stream, clientAddress);
      const up = await upgradeStream(this.#upgrade, stream, clientAddress, id, this.#streams);
      refused = up.refused;
      if (up.cut) throw new RequestCutError();
      if (up.stream === undefined) return; // refused: no handler
      upgraded = up.stream;
      await this.#run(id, upgraded, clientAddress);
    };
    if (socket !== undefined) {
      // Moved here whole: this side owns it and closes it, as shutdownRequest would.
      restoreReadBytes(socket, head);
      if (info !== undefined) attachRequestInfo(socket, reviveRequestInfo(info));
      try {
        await serve(socket);
      } catch (e) {
        error = e;
      }
      closeGracefully(upgraded ?? socket, this.#init.closeTimeout);
    } else {
      const relay = new RelayDuplex(id, this.#post);
      relay.on('error', () => {});
      this.#relays.set(id, relay);
      if (head !== undefined && head.byteLength > 0) relay.deliver(head);
      if (info !== undefined) attachRequestInfo(relay, reviveRequestInfo(info));
      try {
        await serve(relay);
      } catch (e) {
        error = e;
      }
      // What the handler wrote goes out even when it failed (finish() after a throwing
      // handle()): TLS encrypts asynchronously, so its last records may not be relayed yet.
      if (upgraded !== undefined) await flushed(upgraded);
      if (error === undefined) await flushed(relay);
      this.#relays.delete(id);
      upgraded?.destroy();
      relay.destroy();
    }
    this.#slots.leave(id);
    this.#post({
      t: 'done',
      id,
      error: error === undefined ? undefined : toRemoteError(error),
      ...(refused === undefined ? {} : { refused }),
      ...(preamble === undefined ? {} : { preamble }),
    });
  }

  #run(id: number, request: unknown, clientAddress: SocketAddress): Promise<void> {
    const Handler = this.#Handler;
    if (Handler === undefined)
      throw new Error(`${this.#where}: request before the handler was loaded`);
    this.#started.add(id);
    const run = runRequestHandler(Handler, request, clientAddress, this.#server, {
      timeout: this.#init.requestTimeout,
      onStart: (stopper) => {
        this.#stoppers.set(id, stopper);
        const due = this.#due.get(id);
        this.#due.delete(id);
        if (due === 'cut') stopper.cut(new RequestCutError());
        else if (due === 'drain') drainSoon(stopper);
      },
    });
    return run.finally(() => {
      this.#stoppers.delete(id);
      this.#started.delete(id);
      this.#due.delete(id);
    });
  }
}

/** The `'error'` listener of a moved socket: its errors end it; the handler sees them as a closed stream. */
function ignoreError(): void {}
