/**
 * Python's `socket.recv()` and `socket.sendall()` for any stream, for handlers that extend
 * `BaseRequestHandler` directly (as the Python docs' first TCP example does).
 */
import type { Duplex, Readable } from 'node:stream';
import { StreamReader } from './stream-reader.js';
import { StreamWriter } from './stream-writer.js';

/** Options of {@link recv}. */
export interface RecvOptions {
  /** Fail with `ReadTimeoutError` when nothing arrives within this many ms. */
  readonly timeout?: number | null;
}

/**
 * Python's `sock.recv(bufsize)`: what is available, at most `bufsize` bytes, waiting for at
 * least one; an empty buffer at end of stream. Bytes beyond `bufsize` stay in the stream.
 */
export async function recv(
  stream: Readable,
  bufsize: number,
  options: RecvOptions = {},
): Promise<Buffer> {
  const reader = new StreamReader(stream, { timeout: options.timeout ?? null });
  try {
    return await reader.read1(bufsize);
  } finally {
    reader.close();
  }
}

/** Python's `sock.sendall(data)`: resolves once the stream took all of it (backpressure honoured). */
export function sendall(stream: Duplex, data: string | Uint8Array): Promise<void> {
  return new StreamWriter(stream).write(data);
}
