/**
 * The `logger` option: the pino / Fastify / bunyan convention — a fields object first, the
 * message second (`logger.error({ err, clientAddress }, msg)`), so a structured logger records
 * the error with its stack (pino's and bunyan's `err` serializer) and the client's address as
 * fields. Python's counterpart is a `logging.Logger` (`logger.exception(msg, extra=…)`).
 *
 * Lifecycle events (listening, shutdown requested, closed) go to the logger's `info` /
 * `debug` when it has them; they are read from the `diagnostics_channel` events, so a server
 * without such a logger pays nothing for them.
 */
import diagnostics from 'node:diagnostics_channel';
import { formatAddress, type SocketAddress } from './address.js';
import { InvalidOptionError } from './errors.js';

/** What a logger receives with a failed request. */
export interface RequestErrorFields {
  /** The error the request failed with (pino's and bunyan's `err` serializer prints its stack). */
  readonly err: unknown;
  /** The client's address (Python's `client_address`). */
  readonly clientAddress: SocketAddress;
}

/**
 * The logger the default `handleError()` reports to: pino, a Fastify `request.log` /
 * `fastify.log`, or bunyan fit as they are (`logger: pino()`). `error` is required; `info` and
 * `debug`, when present, get the server's lifecycle events and clients that reset their
 * connection. Python's counterpart: a `logging.Logger`.
 */
export interface ServerLogger {
  /** A request failed: `{ err, clientAddress }` and a message. */
  error(fields: RequestErrorFields, message: string): void;
  /** Warnings (a crash loop backing off), when present. */
  warn?(fields: object, message: string): void;
  /** Lifecycle events (listening, closed) and client resets, when present. */
  info?(fields: object, message: string): void;
  /** Lifecycle details (shutdown requested), when present. */
  debug?(fields: object, message: string): void;
}

/** The lifecycle channels, subscribed to once the first logger with `info`/`debug` is given. */
const LIFECYCLE: Array<[string, (logger: ServerLogger, message: Record<string, unknown>) => void]> =
  [
    [
      'sockserve:server.listening',
      (logger, { address }) =>
        logger.info?.({ address }, `listening on ${formatAddress(address as SocketAddress)}`),
    ],
    ['sockserve:server.shutdown', (logger) => logger.debug?.({}, 'shutdown requested')],
    [
      'sockserve:server.close',
      (logger, { report }) => logger.info?.({ ...(report as object) }, 'server closed'),
    ],
  ];
let lifecycleSubscribed = false;

/**
 * Checks the `logger` option (an object with an `error` method; `warn`, `info` and `debug`, if
 * given, functions) and, for a logger with `info` or `debug`, routes the server's lifecycle
 * events to it. Returns the logger.
 */
export function checkLogger(logger: unknown): ServerLogger | undefined {
  if (logger === undefined) return undefined;
  const candidate = logger as Partial<Record<'error' | 'warn' | 'info' | 'debug', unknown>> | null;
  const optional = (name: 'warn' | 'info' | 'debug') =>
    candidate?.[name] === undefined || typeof candidate[name] === 'function';
  if (
    typeof candidate?.error !== 'function' ||
    !optional('warn') ||
    !optional('info') ||
    !optional('debug')
  ) {
    throw new InvalidOptionError(
      'logger',
      'a logger with error(fields, message) — pino, bunyan, a Fastify logger',
      logger,
    );
  }
  if (!lifecycleSubscribed && (candidate.info !== undefined || candidate.debug !== undefined)) {
    lifecycleSubscribed = true;
    for (const [name, log] of LIFECYCLE) {
      diagnostics.subscribe(name, (message) => {
        const fields = message as Record<string, unknown>;
        const server = fields.server as { logger?: ServerLogger } | undefined;
        if (server?.logger !== undefined) log(server.logger, fields);
      });
    }
  }
  return logger as ServerLogger;
}
