/**
 * `@sockserve/unix`: Python's `UnixStreamServer` and `UnixDatagramServer` for Node.js.
 *
 * @packageDocumentation
 */

export { type SdNotifyOptions, sdNotify } from './sd-notify.js';
export {
  UNIX_DATAGRAM_OPTIONS,
  UnixDatagramServer,
  type UnixDatagramServerOptions,
} from './unix-datagram-server.js';
export { UnixDatagramRequest } from './unix-datagram-transport.js';
export { type DatagramListener, UnixDgramSocket } from './unix-dgram-socket.js';
export {
  isAbstract,
  MAX_UNIX_PATH_BYTES,
  parseUnixPath,
  type UnixAddressInput,
} from './unix-path.js';
export {
  UNIX_STREAM_OPTIONS,
  UnixStreamServer,
  type UnixStreamServerOptions,
} from './unix-stream-server.js';
