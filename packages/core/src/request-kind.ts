/**
 * Telling the two kinds of request apart by what they are, not by a transport's word: a
 * strategy typed over `StreamRequest | DatagramRequest` narrows a request with these guards
 * before it uses it as one or the other. (Python tells them apart by the server class:
 * `StreamRequestHandler` vs `DatagramRequestHandler`.)
 */
import { Duplex } from 'node:stream';
import type { DatagramRequest, StreamRequest } from './transport.js';

/** True for a stream request: a connected byte stream (`net.Socket`, any `Duplex`). */
export function isStreamRequest(value: unknown): value is StreamRequest {
  return value instanceof Duplex;
}

/** True for a datagram request: `data` (a `Buffer`), `canReply` and `reply()`. */
export function isDatagramRequest(value: unknown): value is DatagramRequest {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Record<keyof DatagramRequest, unknown>>;
  return (
    Buffer.isBuffer(candidate.data) &&
    typeof candidate.canReply === 'boolean' &&
    typeof candidate.reply === 'function'
  );
}
