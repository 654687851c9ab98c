/**
 * The default of `handleError` (Python's `BaseServer.handle_error`): Python's traceback block
 * on stderr, or the `logger`'s `error({ err, clientAddress }, msg)`. A client that reset the
 * connection or closed it under a write (`ECONNRESET`, `EPIPE`) is not a server error: it
 * gets one line with the client's address instead of a stack.
 */
import { formatAddress, type SocketAddress } from './address.js';
import type { ServerLogger } from './logger.js';

const RULE = '-'.repeat(40);
const PEER_CODES = ['ECONNRESET', 'EPIPE'] as const;

/** `'ECONNRESET'` or `'EPIPE'` when `error` (or an error it wraps) says the peer went away. */
export function peerResetCode(error: unknown): 'ECONNRESET' | 'EPIPE' | undefined {
  let current = error;
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth += 1) {
    const { code, message, cause } = current as {
      code?: unknown;
      message?: unknown;
      cause?: unknown;
    };
    if (code === 'ECONNRESET' || code === 'EPIPE') return code;
    // A stream error rebuilt in another thread or process keeps the system code in its message only.
    if (code === 'ERR_SOCKSERVE_STREAM_CLOSED' && typeof message === 'string') {
      const found = PEER_CODES.find((peer) => message.includes(peer));
      if (found !== undefined) return found;
    }
    current = cause;
  }
  return undefined;
}

/**
 * Reports a failed request: Python's `handle_error` block — a rule, `Exception occurred
 * during processing of request from <address>`, the stack, a rule — on stderr in one write
 * (so concurrent requests don't interleave), or `logger.error({ err, clientAddress }, msg)`.
 * A peer's reset is one line (`logger.info` when the logger has it).
 * @internal
 */
export function reportRequestError(
  clientAddress: SocketAddress,
  error: unknown,
  logger?: ServerLogger,
): void {
  const reset = peerResetCode(error);
  const client = formatAddress(clientAddress);
  if (reset !== undefined) {
    const message = `client ${client} ${reset === 'EPIPE' ? 'closed' : 'reset'} the connection during its request (${reset})`;
    if (logger?.info !== undefined) logger.info({ clientAddress, code: reset }, message);
    else if (logger !== undefined) logger.error({ err: error, clientAddress }, message);
    else process.stderr.write(`${message}\n`);
    return;
  }
  if (logger !== undefined) {
    logger.error(
      { err: error, clientAddress },
      `exception occurred during processing of request from ${client}`,
    );
    return;
  }
  const stack = error instanceof Error ? (error.stack ?? String(error)) : String(error);
  process.stderr.write(
    `${RULE}\nException occurred during processing of request from ${client}\n${stack}\n${RULE}\n`,
  );
}
