/**
 * The client address of an accepted TCP connection, as `inetAddress(socket.remoteAddress,
 * socket.remotePort)` gives it, for less memory per connection (issue 11): the peer is read
 * with one `getpeername` on the socket's handle into a scratch object reused for every
 * connection, instead of through `remoteAddress`, which keeps its result on the socket
 * (`_peername`, 56 B an idle connection holds for its whole life); and a host equal to the
 * previous connection's reuses that string (32 B each: clients behind one balancer or NAT, or
 * a busy client, share one address). A socket that already read its peer, is still
 * connecting, or has no handle of the expected shape (a Node internal, feature-tested) is read
 * the ordinary way.
 */
import type { Socket } from 'node:net';
import { type InetAddress, inetAddress } from './address.js';

/** What `TCPWrap.getpeername()` fills in. */
interface PeerName {
  address: string | undefined;
  family: string | undefined;
  port: number | undefined;
}

/** The internal shape of a connected TCP handle, as far as used. */
interface PeerHandle {
  getpeername?: (out: PeerName) => number;
}

/** Filled by every read (its fields start out present, so filling it never changes its shape). */
const scratch: PeerName = { address: undefined, family: undefined, port: undefined };
/** The last host read: an equal host reuses this string. */
let lastHost = '';

/** The client address of an accepted TCP `socket`; see the module comment. */
export function peerAddress(socket: Socket): InetAddress {
  const handle = (socket as unknown as { _handle?: PeerHandle | null })._handle;
  if (
    handle === null ||
    handle === undefined ||
    typeof handle.getpeername !== 'function' ||
    socket.connecting ||
    (socket as unknown as { _peername?: unknown })._peername !== undefined
  ) {
    return inetAddress(socket.remoteAddress, socket.remotePort);
  }
  scratch.address = undefined;
  scratch.port = undefined;
  // As remoteAddress: a failed read (the client already reset) is no address.
  if (handle.getpeername(scratch) !== 0) return inetAddress(undefined, undefined);
  // Filled by the call (TypeScript still sees the `undefined` stored above).
  let host = (scratch as PeerName).address;
  if (host !== undefined) {
    if (host === lastHost) host = lastHost;
    else lastHost = host;
  }
  return inetAddress(host, (scratch as PeerName).port);
}
