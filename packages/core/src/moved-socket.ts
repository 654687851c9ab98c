/**
 * A stream socket whose OS handle leaves this process: `subprocess.send(message, socket)`
 * (SCM_RIGHTS) takes the handle out of the `net.Socket`, counts the connection out of its
 * `net.Server`, and leaves an empty shell behind — not destroyed, no handle, `pending`. Two
 * questions about such a socket, answered here once so neither a strategy nor a transport
 * reads Node's private fields for them:
 *
 * - {@link canMoveSocket}: may this socket's handle be sent with no byte lost? Only if nothing
 *   was read from it: no buffered bytes and the handle not reading (bytes read into this
 *   process would not travel with the handle).
 * - {@link handleMoved}: did its handle leave? Then the process it went to owns the connection
 *   (ends and closes it); here there is nothing to end, and destroying the shell would count
 *   the connection out of the `net.Server` a second time (Node already did when it sent it).
 *   The transport just forgets it; the shell, holding no descriptor, is garbage.
 *
 * A socket moved to a worker thread (`postMessage` transfer) is destroyed by Node itself.
 */
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { restoreConnectionHead } from './connection-preamble-head.js';

/** True when `socket`'s handle can be sent to another process with nothing lost; see the module comment. */
export function canMoveSocket(socket: Duplex): socket is Socket {
  if (!(socket instanceof Socket) || socket.destroyed || socket.pending) return false;
  // Bytes a preamble read past its end are the socket's too (connection-preamble-head.ts).
  restoreConnectionHead(socket);
  if (socket.readableLength > 0) return false;
  // Node has no public "reading" flag: libuv reads once the stream asked for data, even if
  // nothing arrived yet (bytesRead 0). Accepted with pauseOnConnect, it reads nothing until then.
  const handle = (socket as unknown as { _handle?: { reading?: boolean } | null })._handle;
  return handle?.reading !== true;
}

/**
 * True when `socket` is an accepted connection whose handle was sent to another process: not
 * destroyed, yet without a handle (`pending` and not connecting, public since Node 11.2).
 */
export function handleMoved(socket: Duplex): boolean {
  return socket instanceof Socket && !socket.destroyed && socket.pending && !socket.connecting;
}
