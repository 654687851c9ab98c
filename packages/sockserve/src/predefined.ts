/**
 * Python's predefined server classes. The four base servers are re-exported from their
 * transport packages; the threading ones are the mixin over them, exactly as Python writes
 * `class ThreadingTCPServer(ThreadingMixIn, TCPServer): pass`.
 */
import { TCPServer } from '@sockserve/tcp';
import { ThreadingMixIn } from '@sockserve/threading';
import { UDPServer } from '@sockserve/udp';
import { UnixDatagramServer, UnixStreamServer } from '@sockserve/unix';

/**
 * Python's `socketserver.ThreadingTCPServer`: a {@link TCPServer} whose handlers run in a
 * bounded pool of worker threads (`ThreadingMixIn`). Threading options (`maxWorkers`,
 * `daemonThreads`, …) go in the options bag.
 */
export class ThreadingTCPServer extends ThreadingMixIn(TCPServer) {}

/** Python's `socketserver.ThreadingUDPServer`: a {@link UDPServer} with `ThreadingMixIn`. */
export class ThreadingUDPServer extends ThreadingMixIn(UDPServer) {}

/** Python's `socketserver.ThreadingUnixStreamServer`: a {@link UnixStreamServer} with `ThreadingMixIn`. */
export class ThreadingUnixStreamServer extends ThreadingMixIn(UnixStreamServer) {}

/** Python's `socketserver.ThreadingUnixDatagramServer`: a {@link UnixDatagramServer} with `ThreadingMixIn`. */
export class ThreadingUnixDatagramServer extends ThreadingMixIn(UnixDatagramServer) {}
