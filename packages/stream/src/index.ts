/**
 * `@sockserve/stream`: Python's `StreamRequestHandler` and `DatagramRequestHandler`, the
 * buffered reader and writer under them, and `recv` / `sendall` helpers.
 *
 * @packageDocumentation
 */
export { DatagramRequestHandler, DatagramWriter } from './datagram-request-handler.js';
export {
  LineTooLongError,
  ReadTimeoutError,
  StreamClosedError,
  UnexpectedEofError,
  WriteTimeoutError,
} from './errors.js';
export type { LineCallback } from './line-loop.js';
export { type LineReply, LineRequestHandler } from './line-request-handler.js';
export {
  type MinReadRate,
  optionalMinReadRate,
  RATE_SWEEP_MS,
  readsEndedForRate,
} from './min-read-rate.js';
export { type RecvOptions, recv, sendall } from './socket-io.js';
export {
  DEFAULT_MAX_LINE_LENGTH,
  FIRST_REQUEST_GRACE_MS,
  type IdleReason,
  StreamReader,
  type StreamReaderOptions,
} from './stream-reader.js';
export { StreamRequestHandler } from './stream-request-handler.js';
export { StreamWriter } from './stream-writer.js';
export type { WritableFile } from './writable-file.js';
