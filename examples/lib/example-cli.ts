/**
 * What every example server shares: `--host`/`--port` (or `--path`) flags, exactly one
 * `listening on ADDRESS` line once it takes traffic, and a graceful stop with exit code 0 on
 * SIGINT / SIGTERM.
 */
import { parseArgs } from 'node:util';
import { type BaseServer, formatAddress } from '@sockserve/core';

/** Host and port from `--host` (default `localhost`, as in the Python docs) and `--port` (default 9999). */
export function inetArgs(): { host: string; port: number } {
  const { values } = parseArgs({
    options: {
      host: { type: 'string', default: 'localhost' },
      port: { type: 'string', default: '9999' },
    },
    allowPositionals: true,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port must be an integer from 0 to 65535; got ${JSON.stringify(values.port)}`);
    process.exit(2);
  }
  return { host: values.host, port };
}

/** The socket path from `--path` (required). */
export function pathArgs(): { path: string } {
  const { values } = parseArgs({ options: { path: { type: 'string' } }, allowPositionals: true });
  if (values.path === undefined || values.path === '') {
    console.error('--path is required (the Unix socket path to listen on)');
    process.exit(2);
  }
  return { path: values.path };
}

/**
 * Prints `listening on …`, serves until SIGINT or SIGTERM, then shuts down and closes the
 * server (running requests finish first). Resolves when the server is closed — the examples'
 * stand-in for Python's `with server:` (`await using` needs Node >= 24 when Node strips types).
 */
// biome-ignore lint/suspicious/noExplicitAny: any server kind.
export async function serveUntilSignal(server: BaseServer<any>): Promise<void> {
  const stop = () => void server.shutdown();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  console.log(`listening on ${formatAddress(server.serverAddress)}`);
  try {
    await server.serveForever();
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await server.serverClose();
  }
}
