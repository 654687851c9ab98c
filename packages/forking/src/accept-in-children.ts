/**
 * `acceptIn: 'children'` on the server's side (issue 19; Perl Net::Server::PreFork's model):
 * per-request spares accept from the server's own listening socket instead of this process
 * accepting and sending each connection's handle over IPC (1.2–1.5 ms of a ~2.7–5 ms answer).
 *
 * - At start, this process keeps the socket open without accepting (`listen-handle.ts`) and
 *   every spare gets a copy of the handle; one ready spare at a time listens on it (has the
 *   turn: no herd), takes exactly one connection and stops accepting (`child-accept.ts`), and
 *   the turn passes to the next ready spare when it announces that connection.
 * - The child runs the request at once and tells this process (`accepted`): the pool counts
 *   it on that child (a `HeldRequest`), and the connection is offered to the transport as the
 *   listener's `'connection'` (a `ChildHeldConnection`), so accepted / finished / cut /
 *   refused / dropped, `request.start` / `request.end` and the close are the one pipeline's.
 *   The pool then starts the next spare, as when it hands a connection over.
 * - The server's close stops the children (`ForkingStrategy.stopAccepting`, called by core's
 *   close as it stops accepting): every child is told to close its copy of the socket, and the
 *   close waits — in every close mode — until each did or announced the one connection it took
 *   (`settled`), so what children took by then is counted and served or cut as any request.
 *
 * What can't apply when children accept — the transport's connection preamble (PROXY
 * header, TLS) and per-client caps, the first-byte hand-over, `maxConnections` — is refused
 * when the strategy starts (`assertChildrenCanAccept`).
 */
import { Server } from 'node:net';
import { BaseServer, type StrategyHost, UnsupportedError } from '@sockserve/core';
import { osMaxBacklog } from '@sockserve/core/kit';
import type { RunnerPool } from '@sockserve/core/remote';
import { ChildHeldConnection } from './child-held-connection.js';
import type { ChildAccepted, ChildListenFailed } from './child-protocol.js';
import type { ChildRunner } from './child-runner.js';
import type { ChildAcceptHooks } from './child-runner-accept.js';
import type { ChildSet } from './child-set.js';
import { HeldRequest } from './held-request.js';
import { holdWithoutAccepting } from './listen-handle.js';

/** The server side of `acceptIn: 'children'`; see the module comment. */
export class ChildrenAccept implements ChildAcceptHooks {
  readonly #children: ChildSet;
  readonly #pool: () => RunnerPool | undefined;
  #server: Server | undefined;
  #host: StrategyHost | undefined;
  #listening: { readonly handle: unknown; readonly backlog: number } | undefined;
  #stopped = false;
  /** Children that said they are ready (loaded and warmed up). */
  readonly #ready = new Set<ChildRunner>();
  /** The one spare listening now (see {@link ready}). */
  #turn: ChildRunner | undefined;
  /** Children whose `listen()` on the handle failed: never given the turn again. */
  readonly #cannotListen = new WeakSet<ChildRunner>();
  /** Resolves once every child closed its copy after {@link stop}. */
  #childrenStopped: Promise<void> = Promise.resolve();

  constructor(children: ChildSet, pool: () => RunnerPool | undefined) {
    this.#children = children;
    this.#pool = pool;
  }

  listening(): { readonly handle: unknown; readonly backlog: number } | undefined {
    return this.#stopped ? undefined : this.#listening;
  }

  /** Takes the server's listening socket over and gives it to the children (the pool is started). */
  async start(host: StrategyHost): Promise<void> {
    const server = assertChildrenCanAccept(host);
    const first = this.#children.first();
    if (first === undefined) throw new UnsupportedError("acceptIn: 'children': no child started");
    const handle = await holdWithoutAccepting(server, (h) => first.echoHandle(h));
    this.#server = server;
    this.#host = host;
    if (this.#stopped) return;
    this.#listening = { handle, backlog: osMaxBacklog() };
    // The turn first, so it travels with that child's handle (ChildListen.turn).
    this.#passTurn();
    for (const child of this.#children.live())
      child.listen(this.#listening.handle, this.#listening.backlog);
  }

  /**
   * A spare is ready. Only one spare listens at a time (it has the turn): with every ready
   * spare polling the shared socket, each connection woke them all and one won the accept —
   * the herd, which delayed the winner and its client on a 2-core machine
   * (`bench/forking-accept-floor.ts`). The turn goes to a ready spare if there is one, else to
   * the oldest one starting (it listens as soon as it is ready, without waiting for this
   * process to hear of it), and passes on when its holder announces the connection it took,
   * or exits.
   */
  ready(child: ChildRunner): void {
    this.#ready.add(child);
    this.#passTurn();
  }

  /** A child was started: it may take the turn (in a microtask: it is not in the set yet). */
  joined(_child: ChildRunner): void {
    queueMicrotask(() => this.#passTurn());
  }

  gone(child: ChildRunner): void {
    this.#ready.delete(child);
    if (this.#turn === child) this.#turn = undefined;
    this.#passTurn();
  }

  /**
   * `child` couldn't listen on its copy of the handle (it exits with status 1 next): the turn
   * goes to another spare at once — it would otherwise wait for that exit, or for ever if the
   * child lingered — and the error is reported (`logger.warn`, else a process warning, code
   * `SOCKSERVE_CHILD_LISTEN_FAILED`).
   */
  listenFailed(child: ChildRunner, message: ChildListenFailed): void {
    this.#cannotListen.add(child);
    this.#ready.delete(child);
    if (this.#turn === child) this.#turn = undefined;
    const fields = { strategy: 'forking', runner: child.name, code: message.code };
    const text =
      `sockserve: ${child.name} could not listen on the server's socket ` +
      `(${message.code ?? 'error'}: ${message.message}); it exits and the next spare accepts`;
    const logger = this.#host?.logger;
    if (logger?.warn !== undefined) logger.warn(fields, text);
    else process.emitWarning(text, { code: 'SOCKSERVE_CHILD_LISTEN_FAILED' });
    this.#passTurn();
  }

  #passTurn(): void {
    if (this.#stopped || this.#turn !== undefined || this.#listening === undefined) return;
    // Children that may still take a connection: not ending (a per-request child that took
    // one is ending), able to listen, oldest first.
    const free = this.#children
      .live()
      .filter((child) => !child.ending && !this.#cannotListen.has(child));
    const next = free.find((child) => this.#ready.has(child)) ?? free[0];
    if (next === undefined) return;
    this.#turn = next;
    next.takeTurn();
  }

  accepted(child: ChildRunner, message: ChildAccepted): { id: number; admit(): void } | undefined {
    this.#ready.delete(child);
    if (this.#turn === child) this.#turn = undefined;
    // Once the child counts as taken (its runner is told next): the turn moves on.
    queueMicrotask(() => this.#passTurn());
    const pool = this.#pool();
    const server = this.#server;
    if (pool === undefined || server === undefined) return undefined;
    const held = new HeldRequest(pool, child, message.clientAddress, this.#host);
    const id = pool.adopt(child, held);
    if (id === undefined) return undefined;
    held.id = id;
    // Offered to the transport as its listener's connection: counted, queued, served (or
    // refused and dropped there, then cut in the child) as any connection.
    return {
      id,
      admit: () => server.emit('connection', new ChildHeldConnection(held, message.peer)),
    };
  }

  /** The server stops accepting: no child listens from now on. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#listening = undefined;
    this.#ready.clear();
    this.#turn = undefined;
    this.#childrenStopped = Promise.all(
      this.#children.live().map((child) => child.stopListening()),
    ).then(() => {});
  }

  /**
   * Resolves at once while the server accepts; once it stopped, when every child closed its
   * copy of the socket or announced its one connection — every connection they took has then
   * reached the server's transport
   * (one taken after the transport stopped accepting is still queued there, marked accepted
   * elsewhere — `accepted-elsewhere.ts` — and served or cut by the close), so the close's
   * report counts it.
   */
  settled(): Promise<void> {
    return this.#childrenStopped;
  }
}

/**
 * The listening `net.Server` of a stream server whose children may accept, or an
 * `UnsupportedError` naming what stands in the way: a datagram server, a listener that isn't
 * a plain `net.Server` (TLS), a connection preamble or per-client cap in this process.
 */
export function assertChildrenCanAccept(host: StrategyHost): Server {
  const refuse = (why: string) =>
    new UnsupportedError(`acceptIn: 'children' ${why}; leave acceptIn at 'server' for this`);
  if (host.transportKind !== 'stream') throw refuse('is for stream servers (TCP, Unix stream)');
  const fields = host as unknown as Record<string, unknown>;
  for (const option of ['proxyProtocol', 'maxConnectionsPerClient', 'maxConnections']) {
    if (fields[option] !== undefined)
      throw refuse(`can't apply \`${option}\` (the server never sees the connection first)`);
  }
  if ((host as Partial<BaseServer>).verifyRequest !== BaseServer.prototype.verifyRequest)
    throw refuse(
      "can't apply an overridden verifyRequest() (the child answers before this process hears of the connection)",
    );
  if (host.connectionUpgrade !== undefined)
    throw refuse("can't run the connection upgrade (TLS) of the server's transport");
  const server = fields.socket;
  if (!(server instanceof Server) || Object.getPrototypeOf(server) !== Server.prototype)
    throw refuse(
      'needs a server whose listener is a plain net.Server (TCPServer, UnixStreamServer)',
    );
  return server;
}
