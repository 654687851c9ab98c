/**
 * The addresses the command takes: `HOST:PORT` for `--tcp` / `--udp` (`127.0.0.1:8000`,
 * `[::1]:8000`, `:8000` for every interface) and a path for `--unix` / `--unix-dgram`; or
 * `fd:N` for a socket inherited on descriptor N (socket activation).
 * Checked before anything is opened, with messages naming the option and the value.
 */
import { type InetBindAddress, InvalidOptionError } from '@sockserve/core';
import { parseUnixPath } from '@sockserve/unix';
import { UsageError } from './usage-error.js';

const EXAMPLE = 'expected HOST:PORT, e.g. 127.0.0.1:8000, [::1]:8000 or :8000';

/**
 * Parses `HOST:PORT` (Python's `(host, port)`; an IPv6 host in brackets). An empty host or
 * `*` means every interface, like Python's `''`. Port 0 asks for any free port.
 */
export function parseHostPort(option: string, text: string): InetBindAddress {
  const where = `${option} ${JSON.stringify(text)}`;
  let host: string;
  let portText: string;
  const bracketed = /^\[([^\]]*)\]:(.*)$/.exec(text);
  if (bracketed !== null) {
    host = bracketed[1] as string;
    portText = bracketed[2] as string;
  } else {
    const colon = text.lastIndexOf(':');
    if (colon < 0 || text.startsWith('[')) throw new UsageError(`${where}: no port (${EXAMPLE})`);
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
    if (host.includes(':')) {
      throw new UsageError(`${where}: an IPv6 host goes in brackets, e.g. [::1]:8000`);
    }
  }
  if (portText === '') throw new UsageError(`${where}: no port (${EXAMPLE})`);
  if (!/^\d+$/.test(portText)) {
    throw new UsageError(`${where}: port ${JSON.stringify(portText)} is not a number`);
  }
  const port = Number(portText);
  if (port > 65535) {
    throw new UsageError(`${where}: port ${port} is out of range (0 to 65535)`);
  }
  return { host: host === '*' ? '' : host, port };
}

/**
 * Checks a Unix socket path (Python's `server_address` for `AF_UNIX`) with the unix package's
 * own check (`parseUnixPath`: not empty, no NUL, at most 107 bytes), worded for the command.
 */
export function parseSocketPath(option: string, path: string): string {
  try {
    return parseUnixPath(path, option);
  } catch (error) {
    if (error instanceof InvalidOptionError) throw new UsageError(error.message, { cause: error });
    throw error;
  }
}

/** `fd:N`: an inherited socket on descriptor N (3 and up with socket activation). */
export function parseDescriptor(option: string, text: string): number {
  const digits = text.slice('fd:'.length);
  const fd = /^\d+$/.test(digits) ? Number(digits) : Number.NaN;
  if (!Number.isSafeInteger(fd)) {
    throw new UsageError(
      `${option} ${JSON.stringify(text)}: expected fd:N with N a descriptor number, e.g. fd:3`,
    );
  }
  return fd;
}
