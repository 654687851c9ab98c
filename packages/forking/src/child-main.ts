/**
 * A forking child's entry: loads the handler and runs the requests its server sends, with
 * `RequestRunner` from `@sockserve/core/remote/runner` over the IPC channel. A stream socket arrives
 * as a real handle (the second argument of the 'message' event) and the handler runs on it.
 * Loaded by `child-entry.ts`; not meant to be imported.
 *
 * How a child ends:
 * - per-request mode: after its one request, with status 0 when the handler succeeded and 1
 *   when it raised (Python's `os._exit(status)`), once its reply is flushed and the
 *   connection closed;
 * - `retire` from the server (recycling, an idle child, Python-style close without waiting):
 *   once the requests in hand are done and their connections closed;
 * - the IPC channel closes (the server closes, or its process died): at once — no child
 *   outlives its server.
 * SIGINT and SIGTERM are left to the server: Ctrl-C in a terminal signals the whole process
 * group, and the server drains its children rather than have them die mid-request.
 */
import { Socket } from 'node:net';
import {
  type FromRunner,
  RequestRunner,
  type RunnerInit,
  toRemoteError,
} from '@sockserve/core/remote/runner';
import { AcceptOne } from './child-accept.js';
import { markForkedChild } from './child-context.js';
import { ACCEPTED_ID, type ChildStart, type FromChild, type ToChild } from './child-protocol.js';
import { MovedSocketLostError } from './moved-socket-lost.js';
import { warmUp } from './warm-up.js';
import { plainLocalInit, warmUpHandler } from './warm-up-request.js';

const send = process.send?.bind(process);
if (send === undefined)
  throw new Error('child-main must run in a child started by ForkingStrategy');

const name = `child ${process.pid}`;
markForkedChild(name);
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});

let runner: RequestRunner | undefined;
let loaded = false;
let exitAfterRequest = false;
let retiring = false;
let status = 0;
/** Messages handed to the IPC channel and not yet written. */
let sending = 0;
const running = new Set<number>();
/** Sockets moved here that are still open (closing gracefully after their request). */
const sockets = new Set<Socket>();
const early: Array<{ message: ToChild; handle: unknown }> = [];
/** The request id of the warm-up request (the server's ids start at 0). */
const WARM_UP_ID = -1;
/** `ready` waits for the warm-up: the runner's own `ready` is held here until then. */
let holdingReady = false;
/** `acceptIn: 'children'`: the server gave this child the turn to accept (one spare at a time has it). */
let acceptTurn = false;
/** `acceptIn: 'children'`: this child takes its one connection from the server's listening socket. */
const acceptOne = new AcceptOne((socket, clientAddress) => {
  const { remoteAddress, remotePort, remoteFamily } = socket;
  // Told first, so the server knows the request before any message about it.
  sendToServer({
    t: 'accepted',
    clientAddress,
    peer: { remoteAddress, remotePort, remoteFamily },
  });
  deliver({ t: 'stream', id: ACCEPTED_ID, clientAddress, moved: true }, socket);
}, listenFailed);

/**
 * `listen()` on the server's handle failed: this child can't take a connection. It says so
 * (the server reports it and passes the turn on) and exits with status 1 — a broken spare, so
 * a crash loop of them backs off as any — unless it already runs a request it was sent.
 */
function listenFailed(error: Error): void {
  const code = (error as { code?: unknown }).code;
  sendToServer({
    t: 'listen-failed',
    code: typeof code === 'string' ? code : undefined,
    message: error.message,
  });
  retiring = true;
  status = 1;
  exitWhenIdle();
}

function sendToServer(message: FromChild, handle?: unknown): void {
  if (!process.connected) return;
  sending += 1;
  send?.(message, handle as never, {}, () => {
    sending -= 1;
    exitWhenIdle();
  });
}

function exitWhenIdle(): void {
  if (retiring && running.size === 0 && sockets.size === 0 && sending === 0) process.exit(status);
}

function post(message: FromRunner): void {
  if (message.t === 'ready' && holdingReady) return;
  if (message.t === 'done') {
    running.delete(message.id);
    if (exitAfterRequest) {
      retiring = true;
      status = message.error === undefined ? 0 : 1;
    }
  }
  sendToServer(message);
}

/** Hands a message to `to` (the child's runner once loaded, queued until then; or the warm-up's). */
function deliver(message: ToChild, handle: unknown, to = loaded ? runner : undefined): void {
  if (message.t === 'start' || message.t === 'retire') return;
  if (
    message.t === 'listen' ||
    message.t === 'accept-turn' ||
    message.t === 'stop-listening' ||
    message.t === 'echo-handle'
  )
    return;
  // A request the server sent: a per-request child takes no connection of its own too.
  if (message.t === 'stream' && exitAfterRequest && message.id >= 0) acceptOne.stop();
  if (to === undefined) {
    early.push({ message, handle });
    return;
  }
  if (message.t === 'stream' || message.t === 'datagram') running.add(message.id);
  if (message.t === 'stream' && 'moved' in message) {
    const { moved: _, ...stream } = message;
    if (!(handle instanceof Socket)) {
      // The socket was closed in the server before its handle could be sent.
      post({ t: 'done', id: message.id, error: toRemoteError(new MovedSocketLostError(name)) });
      return;
    }
    sockets.add(handle);
    handle.once('close', () => {
      sockets.delete(handle);
      exitWhenIdle();
    });
    to.receive({ ...stream, socket: handle });
    return;
  }
  to.receive(message);
}

/**
 * The warm-up request (`warm-up-request.ts`): one request on a loopback connection to this
 * child, delivered as a moved socket is and run by a runner of its own with sockserve's
 * warm-up handler, so the first real request finds that path compiled. Its `done` stays here.
 */
async function warmUpRequest(init: RunnerInit): Promise<void> {
  const Handler = await warmUpHandler(init).catch(() => undefined);
  if (Handler === undefined) {
    await warmUp();
    return;
  }
  let finished = () => {};
  const warmRunner = new RequestRunner(
    plainLocalInit(init, Handler),
    (message) => {
      if (message.t !== 'done') return;
      running.delete(message.id);
      finished();
      exitWhenIdle(); // told to retire meanwhile
    },
    name,
  );
  if (!(await warmRunner.load())) return;
  await warmUp(
    (socket) =>
      new Promise<void>((resolve) => {
        finished = resolve;
        const clientAddress = {
          host: socket.remoteAddress ?? '127.0.0.1',
          port: socket.remotePort ?? 0,
          family: socket.remoteFamily === 'IPv6' ? 'IPv6' : 'IPv4',
        } as const;
        deliver({ t: 'stream', id: WARM_UP_ID, clientAddress, moved: true }, socket, warmRunner);
      }),
  );
}

async function start(message: ChildStart): Promise<void> {
  exitAfterRequest = message.exitAfterRequest;
  runner = new RequestRunner(message.init, post, name);
  holdingReady = true;
  if (!(await runner.load())) {
    // Reported to the server as init-error; nothing else to do here.
    retiring = true;
    status = 1;
    exitWhenIdle();
    return;
  }
  // Loaded: a request that arrives during the warm-up goes to the runner at once, never waits
  // for the warm-up's exchange (`ready` is still held, so the server counts no spare yet).
  loaded = true;
  // Before `ready`: the first request then runs on compiled code (issue 19) — unless a request
  // already waits (no spare was ready for it): it is served at once instead.
  if (early.length === 0) await warmUpRequest(message.init);
  holdingReady = false;
  post({ t: 'ready' });
  for (const { message: queued, handle } of early.splice(0)) deliver(queued, handle);
  // Ready and holding nothing: take a connection from the listening socket, if it's our turn.
  if (acceptTurn && running.size === 0 && !retiring) acceptOne.start();
}

process.on('message', (message: ToChild, handle: unknown) => {
  // The server accepts with allowHalfOpen (a client that half-closes still gets its reply); a
  // socket rebuilt from a handle defaults to false. Set before its first read can end.
  if (handle instanceof Socket) handle.allowHalfOpen = true;
  if (message.t === 'start') void start(message);
  else if (message.t === 'retire') {
    retiring = true;
    acceptOne.stop();
    exitWhenIdle();
  } else if (message.t === 'listen' || message.t === 'accept-turn') {
    // The handle, then the turn to listen on it (in either order): listens once it has both.
    if (message.t === 'listen') acceptOne.give(handle, message.backlog);
    if (message.t === 'accept-turn' || message.turn) acceptTurn = true;
    if (acceptTurn && loaded && !holdingReady && running.size === 0 && !retiring) acceptOne.start();
  } else if (message.t === 'stop-listening') {
    acceptOne.stop();
    // After any `accepted` this child sent: the server then knows every connection it took.
    sendToServer({ t: 'stopped-listening' });
  } else if (message.t === 'echo-handle') sendToServer({ t: 'echoed' }, handle);
  else deliver(message, handle);
});
process.on('disconnect', () => process.exit(status));
// Handler code that calls process.exit() ends this child: say so first, so the server hands
// it no new request while its exit is still on the way.
const exit = process.exit.bind(process);
process.exit = ((code?: number | string | null) => {
  if (!retiring && process.connected && runner !== undefined)
    send({ t: 'exiting', running: runner.running() } satisfies FromRunner);
  return exit(code);
}) as typeof process.exit;
