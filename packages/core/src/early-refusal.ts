/**
 * Refusing a connection before Node builds a `net.Socket` for it (issue 12, item 7). Building
 * the JavaScript socket (stream state, async hooks, the `'connection'` event) is most of what
 * a refusal costs: a raw `net.Server` resetting every connection of a 3,000-connect burst from
 * its `'connection'` event answered at p50 14–25 ms, the same reset from the accepted handle
 * at 3–4 ms (Python's accept-and-RST loop: 0–9 ms).
 * `net.Server` itself refuses that way when `maxConnections` is reached (lib/net.js
 * `onconnection` closes the accepted handle and returns). This module does the same from
 * outside: it wraps the listening handle's `onconnection`, asks the transport whether the
 * connection would be refused anyway (queue full, `maxConnections`, per-client cap) and if so
 * resets the accepted handle directly (`TCPWrap.reset()`, the call behind
 * `socket.resetAndDestroy()`), or closes it where there is no reset (a Unix-domain pipe).
 *
 * `server._handle.onconnection`, `handle.getpeername(out)`, `handle.reset(cb)` and
 * `handle.close()` are Node internals: each is feature-tested and any miss (or a throw)
 * leaves the connection to the ordinary path, which refuses it with a socket as before.
 */
import type { Server } from 'node:net';

/** What the early path knows about an accepted connection (no socket exists yet). */
export interface AcceptedPeer {
  /** The peer's IP address; `undefined` for a Unix-domain peer or when unreadable. */
  readonly address: string | undefined;
  /** The peer's port; `undefined` as for `address`. */
  readonly port: number | undefined;
  /** The accepted descriptor, when the handle tells it. */
  readonly fd: number | undefined;
}

/**
 * Decides for one accepted connection: `true` means refuse it now (the caller has counted and
 * published the refusal), `false` lets it through to the ordinary path. The peer describes the
 * connection only during the call (one object is reused): read what is needed, don't keep it.
 */
export type EarlyRefusalDecision = (peer: AcceptedPeer) => boolean;

/** The internal shape of an accepted client handle (TCPWrap / PipeWrap), as far as used. */
interface ClientHandle {
  readonly fd?: unknown;
  getpeername?: (out: { address?: string; port?: number }) => number;
  reset?: (callback: () => void) => number;
  close?: (callback?: () => void) => void;
}

/** The internal shape of a listening handle. */
interface ListenHandle {
  onconnection?: (this: ListenHandle, error: number, client?: ClientHandle) => void;
}

const noop = () => {};

/**
 * Installs the early refusal on a listening `server` (after `listen()` completed). Returns
 * false, changing nothing, when this Node's internals don't have the expected shape; the
 * transport then refuses through sockets only.
 */
export function installEarlyRefusal(server: Server, decide: EarlyRefusalDecision): boolean {
  const handle = (server as unknown as { _handle?: ListenHandle | null })._handle;
  const original = handle?.onconnection;
  if (handle === null || handle === undefined || typeof original !== 'function') return false;
  handle.onconnection = function onconnection(error, client) {
    if (error === 0 && client !== undefined && refuseEarly(client, decide)) return;
    const outer = accepting;
    accepting = server;
    try {
      original.call(this, error, client);
    } finally {
      accepting = outer;
    }
  };
  return true;
}

/** The server whose listening handle's accept callback is running now (see {@link acceptingOn}). */
let accepting: Server | undefined;

/**
 * True while `server`'s own accept runs — Node's `'connection'` event for a connection its
 * listening handle just accepted, with the hook of {@link installEarlyRefusal} installed —
 * and false for a `'connection'` emitted from anywhere else (forking's children announcing a
 * connection over IPC, a user's `emit('connection', socket)`). A listener's accept runs in
 * the async context the server was listened from; an emitted event, in its emitter's.
 */
export function acceptingOn(server: Server): boolean {
  return accepting === server;
}

/** True when `client` was refused (reset or closed); false leaves it untouched. */
function refuseEarly(client: ClientHandle, decide: EarlyRefusalDecision): boolean {
  const reset = typeof client.reset === 'function';
  if (!reset && typeof client.close !== 'function') return false;
  let refuse: boolean;
  current = client;
  try {
    refuse = decide(peer);
  } catch {
    return false;
  } finally {
    current = undefined;
    if (readFor !== undefined) forgetPeer();
  }
  if (!refuse) return false;
  // reset() returns a libuv error code; on failure (or none) a plain close still frees it.
  if (reset && (client.reset as (callback: () => void) => number)(noop) === 0) return true;
  (client.close as (callback?: () => void) => void)(noop);
  return true;
}

/*
 * The connection being decided about, in module variables rather than in an object's fields:
 * a decision runs for every accepted connection, and before V8's top tier has optimised it a
 * private field store is a generic keyed store (~90 instructions each; the four-field reset
 * this replaced cost ~690 a connection, issue 11). A connection let through now costs two
 * plain stores (`current` in and out).
 */
/** The accepted handle being decided about (set only during a decision). */
let current: ClientHandle | undefined;
/** The handle whose peer `peerHost` / `peerPort` describe; `undefined`: none read. */
let readFor: ClientHandle | undefined;
let peerHost: string | undefined;
let peerPort: number | undefined;

/** Reads the current handle's peer (a `getpeername` call), once per decision. */
function readPeer(): void {
  const client = current as ClientHandle;
  readFor = client;
  peerHost = undefined;
  peerPort = undefined;
  if (typeof client.getpeername !== 'function') return;
  const out: { address?: string; port?: number } = {};
  if (client.getpeername(out) !== 0) return;
  peerHost = out.address;
  peerPort = out.port;
}

/** Lets go of the last decision's peer (no handle is kept past its decision). */
function forgetPeer(): void {
  readFor = undefined;
  peerHost = undefined;
  peerPort = undefined;
}

/**
 * The peer every decision is asked about (decisions are synchronous and keep no peer). Its
 * address is read (a `getpeername` call) only when the decision asks for it — a per-client
 * cap, or a refusal to publish — not for every connection let through: the socket Node builds
 * next reads it again anyway.
 */
const peer: AcceptedPeer = {
  get fd(): number | undefined {
    const fd = (current as ClientHandle).fd;
    return typeof fd === 'number' && fd >= 0 ? fd : undefined;
  },
  get address(): string | undefined {
    if (readFor !== current) readPeer();
    return peerHost;
  },
  get port(): number | undefined {
    if (readFor !== current) readPeer();
    return peerPort;
  },
};
