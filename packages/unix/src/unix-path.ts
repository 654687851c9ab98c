/**
 * Unix socket addresses: a filesystem path, or on Linux an abstract name (a path starting
 * with `\0`, no file). `sun_path` holds 108 bytes including the terminating NUL, so a path
 * may have at most 107 bytes; a longer one is refused up front instead of being truncated.
 */
import { InvalidOptionError } from '@sockserve/core';

/** The longest Unix socket path in bytes (Linux `sun_path` is 108 with the NUL). */
export const MAX_UNIX_PATH_BYTES = 107;

/** What a user may pass: a path string or `{ path }`. */
export type UnixAddressInput = string | { readonly path: string };

/** True for a Linux abstract-namespace name (`\0name`). */
export function isAbstract(path: string): boolean {
  return path.startsWith('\0');
}

/** Validates a Unix socket address and returns its path. */
export function parseUnixPath(input: unknown, option = 'serverAddress'): string {
  const path =
    typeof input === 'object' && input !== null && 'path' in input
      ? (input as { path: unknown }).path
      : input;
  if (typeof path !== 'string' || path === '' || path === '\0') {
    throw new InvalidOptionError(option, 'a socket path (or { path }), not empty', path);
  }
  if (path.includes('\0', 1)) {
    throw new InvalidOptionError(
      option,
      'a path with no NUL byte (except a leading one: an abstract name)',
      path,
    );
  }
  const bytes = Buffer.byteLength(path);
  if (bytes > MAX_UNIX_PATH_BYTES) {
    throw new InvalidOptionError(
      option,
      `at most ${MAX_UNIX_PATH_BYTES} bytes long (sun_path holds 108 bytes with the terminating NUL); this one has ${bytes}`,
      path,
    );
  }
  if (isAbstract(path) && process.platform !== 'linux') {
    throw new InvalidOptionError(
      option,
      'a filesystem path (abstract names exist only on Linux)',
      path,
    );
  }
  return path;
}

/** Validates a socket-file mode such as `0o600` (none for an abstract name: it has no file). */
export function parseMode(value: unknown, path: string): number | undefined {
  if (value === undefined) return undefined;
  if (isAbstract(path)) {
    throw new InvalidOptionError('mode', 'left unset for an abstract name (it has no file)', value);
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0o777) {
    throw new InvalidOptionError('mode', 'a file mode from 0 to 0o777 (e.g. 0o600)', value);
  }
  return value;
}
