/**
 * Python's four forking servers: `ForkingMixIn` over each transport, exactly as Python writes
 * `class ForkingTCPServer(ForkingMixIn, TCPServer): pass`.
 */
import { ForkingMixIn } from '@sockserve/forking';
import { TCPServer } from '@sockserve/tcp';
import { UDPServer } from '@sockserve/udp';
import { UnixDatagramServer, UnixStreamServer } from '@sockserve/unix';

/**
 * Python's `socketserver.ForkingTCPServer`: a {@link TCPServer} whose handlers run in child
 * processes (`ForkingMixIn`): a pool by default, or one per request with
 * `forkingMode: 'per-request'`. Forking options (`maxChildren`, `forkingMode`, …) go in the options bag.
 */
export class ForkingTCPServer extends ForkingMixIn(TCPServer) {}

/** Python's `socketserver.ForkingUDPServer`: a {@link UDPServer} with `ForkingMixIn`. */
export class ForkingUDPServer extends ForkingMixIn(UDPServer) {}

/** Python's `socketserver.ForkingUnixStreamServer` (3.12): a {@link UnixStreamServer} with `ForkingMixIn`. */
export class ForkingUnixStreamServer extends ForkingMixIn(UnixStreamServer) {}

/** Python's `socketserver.ForkingUnixDatagramServer` (3.12): a {@link UnixDatagramServer} with `ForkingMixIn`. */
export class ForkingUnixDatagramServer extends ForkingMixIn(UnixDatagramServer) {}
