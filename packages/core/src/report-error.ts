/** The default of `handleError`: Python's traceback block on stderr. */
import { formatAddress, type SocketAddress } from './address.js';

const RULE = '-'.repeat(40);

/**
 * Writes Python's `handle_error` block: a rule, `Exception occurred during processing of
 * request from <address>`, the stack, a rule — to stderr, in one write so concurrent
 * requests don't interleave.
 * @internal
 */
export function reportRequestError(clientAddress: SocketAddress, error: unknown): void {
  const stack = error instanceof Error ? (error.stack ?? String(error)) : String(error);
  process.stderr.write(
    `${RULE}\nException occurred during processing of request from ${formatAddress(clientAddress)}\n${stack}\n${RULE}\n`,
  );
}
