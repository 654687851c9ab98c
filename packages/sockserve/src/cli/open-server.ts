/**
 * Creates the server for the address flag (`--tcp`, `--udp`, `--unix`, `--unix-dgram`: the
 * transports registered in `transports.ts`) and waits until it is bound and active. Each
 * transport package is imported only when used. Start-up failures the user can fix become
 * {@link UsageError}s.
 */
import {
  type BindError,
  type ConcurrencyStrategy,
  formatAddress,
  type HandlerModuleRef,
  systemCode,
} from '@sockserve/core';
import type { ProxyProtocolOptions } from '@sockserve/proxy-protocol/server';
import type { ListenAddress } from './args.js';
import { type Hardening, hardeningServerOptions } from './hardening.js';
import {
  type AnyServer,
  type BindTarget,
  type CommandServerOptions,
  findTransport,
} from './transports.js';
import { UsageError } from './usage-error.js';

export type { AnyServer } from './transports.js';

const REASONS: Record<string, string> = {
  EADDRINUSE: 'address already in use',
  EACCES: 'permission denied',
  EADDRNOTAVAIL: 'address not available on this machine',
  ENOENT: 'no such directory',
  ENOTFOUND: 'unknown host',
  EAI_AGAIN: 'host name lookup failed',
};

/** What the command builds its server from: Python's `TCPServer(address, Handler)` & co., plus the command's options. */
export interface ServerSettings {
  readonly listen: ListenAddress;
  readonly handler: HandlerModuleRef;
  /** None: Python's default, one request at a time. */
  readonly strategy?: ConcurrencyStrategy<never> | undefined;
  /** The limits on idle and slow clients (`--idle-timeout` & co.). */
  readonly hardening?: Hardening | undefined;
  /** SO_REUSEPORT (`--reuse-port`, TCP only: the parser refuses it elsewhere). */
  readonly reusePort?: boolean | undefined;
  /** `TLSServer` options (`--tls-cert` & co.): the server is a `TLSServer`. */
  readonly tls?: object | undefined;
  /** The server's `proxyProtocol` option (`--proxy-protocol`). */
  readonly proxyProtocol?: ProxyProtocolOptions | undefined;
}

/**
 * The server, as soon as it exists (so that a stop during start-up can close it), and `ready`,
 * which resolves once it is bound and active — Python's constructor, split in two.
 */
export async function startServer(
  settings: ServerSettings,
): Promise<{ server: AnyServer; ready: Promise<AnyServer> }> {
  const { listen, handler, strategy, hardening, reusePort, tls, proxyProtocol } = settings;
  const options = {
    ...(strategy === undefined ? {} : { strategy }),
    ...(reusePort === true ? { allowReusePort: true } : {}),
    ...(proxyProtocol === undefined ? {} : { proxyProtocol }),
    ...(hardening === undefined ? {} : hardeningServerOptions(hardening, listen)),
  };
  let server: AnyServer;
  try {
    server = await construct(listen, handler, options, tls);
  } catch (error) {
    throw startError(listen, error);
  }
  const ready = server.ready.catch((error: unknown) => {
    throw startError(listen, error);
  });
  return { server, ready };
}

/** The registered transport's server on `listen`, with TLS on top when `tls` is given. */
async function construct(
  listen: ListenAddress,
  handler: HandlerModuleRef,
  options: CommandServerOptions,
  tls: object | undefined,
): Promise<AnyServer> {
  const entry = findTransport(listen.transport);
  if (entry === undefined) throw new UsageError(`unknown transport --${listen.transport}`);
  const where: BindTarget =
    'fd' in listen ? { fd: listen.fd } : 'address' in listen ? listen.address : listen.path;
  if (tls === undefined) return entry.create(where, handler, options);
  // The parser lets the TLS flags through only for a transport that has TLS.
  if (entry.createTLS === undefined) {
    throw new UsageError(`--tls-cert and --tls-key: no TLS over --${listen.transport}`);
  }
  return entry.createTLS(where, handler, options, tls);
}

/** Rewords what the user can fix (a busy port, a bad option, a handler that won't load). */
function startError(listen: ListenAddress, error: unknown): unknown {
  // By code, not instanceof: the transport may have resolved its own copy of core.
  if (systemCode(error) === 'ERR_SOCKSERVE_BIND') {
    const bind = error as BindError;
    const where =
      'address' in listen
        ? formatAddress(listen.address)
        : 'path' in listen
          ? listen.path
          : `fd ${listen.fd}`;
    const code = bind.syscallCode;
    const reason =
      code !== undefined && code in REASONS ? `${REASONS[code]} (${code})` : bind.message;
    return new UsageError(`cannot listen on ${where}: ${reason}`, { cause: error });
  }
  const code = systemCode(error);
  if (code?.startsWith('ERR_SOCKSERVE_') && error instanceof Error) {
    return new UsageError(error.message.split('\n', 1)[0] ?? error.message, { cause: error });
  }
  return error;
}
