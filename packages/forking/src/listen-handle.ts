/**
 * How the server keeps its listening socket open without accepting on it, once its children
 * accept (`acceptIn: 'children'`). **Node has no public way to do this**: a `net.Server`
 * accepts from the moment it listens (libuv's `uv_listen` has no "stop"), `net.BoundSocket`
 * (Node ≥ 24.19) binds without listening but the transport has listened by the time a strategy
 * starts, and Node has no `dup()`. Cluster's SCHED_NONE primary does it with internals too: it
 * holds a handle from `net._createServerHandle` (bound, never listened on) and only its workers
 * listen. Here:
 *
 * 1. the listener's handle (`server._handle`, a `TCPWrap`/`PipeWrap`) is sent to a child with
 *    `subprocess.send(message, handle)` — a raw handle travels as Node's `'net.Native'` — and the
 *    child sends it straight back: this process receives a second descriptor for the same
 *    socket, in a handle that never listens (a received handle is opened, not polled);
 * 2. that copy replaces the listener's handle (`server._handle`) and the listening one is
 *    closed — so `server.address()`, `fileno()` and `server.close()` act on the copy. Closing
 *    a Unix-domain listener's own handle unlinks its path (libuv), so the path is kept by a
 *    hard link renamed back over it.
 *
 * Children then `listen(handle, backlog)` on copies they are sent (public: `server.listen`
 * takes a handle). `server._handle`, its `fd` and `close()`, and sending a raw handle are Node
 * internals: {@link holdWithoutAccepting} feature-tests them and throws `UnsupportedError`
 * when they differ; `test/listen-handle.test.ts` fails if Node changes them.
 */
import { linkSync, renameSync, unlinkSync } from 'node:fs';
import type { Server } from 'node:net';
import { UnsupportedError } from '@sockserve/core';

/** A libuv stream handle as far as used here (`TCPWrap`, `PipeWrap`). */
interface RawHandle {
  readonly fd?: unknown;
  close(callback?: () => void): void;
}

function isRawHandle(value: unknown): value is RawHandle {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as RawHandle).close === 'function' &&
    typeof (value as RawHandle).fd === 'number'
  );
}

/** The listening handle of `server`, or an `UnsupportedError` when Node's shape differs. */
export function listeningHandle(server: Server): unknown {
  const handle = (server as unknown as { _handle?: unknown })._handle;
  if (!server.listening || !isRawHandle(handle)) {
    throw new UnsupportedError(
      "acceptIn: 'children' needs the listening socket's handle (net.Server's _handle with an fd); this Node does not show one",
    );
  }
  return handle;
}

/**
 * Swaps `server`'s listening handle for a copy that doesn't accept (see the module comment);
 * `echo` sends a handle to a child and resolves with the copy it sent back. Returns the copy
 * (this process's only descriptor of the socket from now on; `server.close()` closes it).
 */
export async function holdWithoutAccepting(
  server: Server,
  echo: (handle: unknown) => Promise<unknown>,
): Promise<unknown> {
  const polling = listeningHandle(server) as RawHandle;
  const copy = await echo(polling);
  if (!isRawHandle(copy)) {
    throw new UnsupportedError(
      "acceptIn: 'children': the listening handle did not come back from the child as a handle",
    );
  }
  const address = server.address();
  const path = typeof address === 'string' && !address.startsWith('\0') ? address : undefined;
  keepingPath(path, () => {
    (server as unknown as { _handle: unknown })._handle = copy;
    polling.close();
  });
  return copy;
}

/** Runs `close` (which unlinks `path`, a Unix socket file) with the file kept: a hard link put back. */
function keepingPath(path: string | undefined, close: () => void): void {
  if (path === undefined) {
    close();
    return;
  }
  const keep = `${path}.${process.pid}.keep`;
  let linked = false;
  try {
    linkSync(path, keep);
    linked = true;
  } catch {
    // No link (another filesystem rule): the path is lost at the close, as libuv does.
  }
  try {
    close();
  } finally {
    if (linked) {
      try {
        renameSync(keep, path);
      } catch {
        unlinkSync(keep);
      }
    }
  }
}
