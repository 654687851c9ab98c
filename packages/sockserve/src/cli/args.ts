/**
 * The command line, parsed with `node:util` `parseArgs` into a {@link Command}. Every mistake
 * is a {@link UsageError} naming the option.
 */
import { parseArgs } from 'node:util';
import type { InetBindAddress } from '@sockserve/core';
import type { ProxyProtocolOptions } from '@sockserve/proxy-protocol/server';
import { parseHostPort } from './address.js';
import { checkChildrenAccept, childrenAccept, withForkingMode } from './forking-mode.js';
import { withGrowAfter } from './grow-after.js';
import { HARDENING_DEFAULTS, type Hardening } from './hardening.js';
import { type ListenRequest, parseListen } from './listen-request.js';
import { withMinThreads } from './min-threads.js';
import { parseProxyFlags } from './proxy-flags.js';
import { withRequestsPerChild } from './requests-per-child.js';
import { withSpares } from './spares.js';
import { parseCount, parseStrategy, STRATEGY_FLAGS, type StrategyChoice } from './strategy.js';
import { parseTLSFlags, type TLSFlags } from './tls.js';
import { TRANSPORT_FLAGS } from './transports.js';
import { UsageError } from './usage-error.js';

export type { ListenAddress, ListenRequest } from './listen-request.js';
export type { StrategyChoice } from './strategy.js';
/** The transports, by option name (registered in `transports.ts`): Python's `TCPServer`, `UDPServer`, `UnixStreamServer`, `UnixDatagramServer`. */
export type { TransportKind } from './transports.js';

/**
 * What the command prints on stderr: `normal`; `verbose` adds a line per request; `quiet` prints
 * only errors (no stopping line, no warnings). The `listening on` line on stdout stays: it is
 * the command's answer (the bound port), not chatter.
 */
export type OutputLevel = 'normal' | 'verbose' | 'quiet';

/** `sockserve serve …`: run a handler module as a server (Python: a script with `serve_forever()`). */
export interface ServeCommand {
  readonly command: 'serve';
  readonly listen: ListenRequest;
  readonly strategy: StrategyChoice;
  /** `MODULE[#ExportName]` as given. */
  readonly handler: string;
  /** ms the first SIGINT/SIGTERM waits for running requests before cutting them (`--close-timeout`). Default 30000. */
  readonly closeTimeout: number;
  /** `--verbose` / `--quiet`. */
  readonly output: OutputLevel;
  /** Limits on idle and slow clients: `--idle-timeout`, `--first-byte-timeout`, `--max-per-client`, `--request-timeout`, `--min-read-rate`, `--min-read-grace`. */
  readonly hardening: Hardening;
  /** ms SIGTERM (and a restart) keeps accepting after reporting draining (`--drain-delay`). Default 0. */
  readonly drainDelay: number;
  /** `--agent-port [HOST:]PORT`: an HAProxy agent-check listener (every interface when no host). */
  readonly agentPort?: InetBindAddress;
  /** `--ready-port [HOST:]PORT`: an HTTP readiness listener, 200 / 503. */
  readonly readyPort?: InetBindAddress;
  /** `--workers N`: N server processes on the address, supervised by this one. */
  readonly workers?: number;
  /** `--reuse-port`: bind with SO_REUSEPORT (`allowReusePort`); with `--workers`, each worker binds its own socket. */
  readonly reusePort: boolean;
  /** `--tls-cert`, `--tls-key`, `--tls-ca`, `--tls-request-cert`: serve TLS (with `--tcp`). */
  readonly tls?: TLSFlags | undefined;
  /** `--proxy-protocol` / `--proxy-header-timeout`: the server's `proxyProtocol` option. */
  readonly proxyProtocol?: ProxyProtocolOptions;
}

/** `--close-timeout` when not given: as long as gunicorn's `graceful_timeout` and the strategies' `closeTimeout`. */
export const DEFAULT_CLOSE_TIMEOUT = 30_000;

/** What the command line asks for (Python equivalent: argparse's parsed `Namespace`). */
export type Command = ServeCommand | { readonly command: 'help' } | { readonly command: 'version' };

/** The command's options for `parseArgs` (also read by the restart, which rewrites the address). */
export const OPTIONS = {
  ...TRANSPORT_FLAGS,
  systemd: { type: 'string' },
  'close-timeout': { type: 'string' },
  'idle-timeout': { type: 'string' },
  'first-byte-timeout': { type: 'string' },
  'max-per-client': { type: 'string' },
  'request-timeout': { type: 'string' },
  'min-read-rate': { type: 'string' },
  'min-read-grace': { type: 'string' },
  'exec-argv': { type: 'string' },
  'drain-delay': { type: 'string' },
  'agent-port': { type: 'string' },
  'ready-port': { type: 'string' },
  workers: { type: 'string' },
  'reuse-port': { type: 'boolean' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'tls-ca': { type: 'string' },
  'tls-request-cert': { type: 'boolean' },
  'min-spare': { type: 'string' },
  'max-spare': { type: 'string' },
  'requests-per-child': { type: 'string' },
  fork: { type: 'string' },
  'accept-in': { type: 'string' },
  'min-threads': { type: 'string' },
  'grow-after': { type: 'string' },
  'proxy-protocol': { type: 'string' },
  'proxy-header-timeout': { type: 'string' },
  'proxy-protocol-in': { type: 'string' },
  verbose: { type: 'boolean' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

/** Parses `argv` (without `node` and the script); Python's `parser.parse_args()`. */
export function parseCommand(argv: readonly string[]): Command {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { ...STRATEGY_FLAGS, ...OPTIONS },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(describeParseError(error));
  }
  const { values, positionals } = parsed;
  if (values.help) return { command: 'help' };
  if (values.version) return { command: 'version' };
  const [command, handler, ...extra] = positionals;
  if (command === undefined) {
    throw new UsageError(
      'no command given; usage: sockserve serve --tcp HOST:PORT MODULE (see sockserve --help)',
    );
  }
  if (command !== 'serve') {
    throw new UsageError(
      `unknown command ${JSON.stringify(command)}; the command is "serve" (see sockserve --help)`,
    );
  }
  const listen = parseListen(values);
  const strategy = withGrowAfter(
    withMinThreads(
      withRequestsPerChild(
        withSpares(
          withForkingMode(parseStrategy(values, values['exec-argv']), values),
          values['min-spare'],
          values['max-spare'],
        ),
        values['requests-per-child'],
      ),
      values['min-threads'],
    ),
    values['grow-after'],
  );
  if (handler === undefined) {
    throw new UsageError('no handler module given: sockserve serve … MODULE[#ExportName]');
  }
  if (extra.length > 0) {
    throw new UsageError(
      `unexpected argument ${JSON.stringify(extra[0])} after the handler module`,
    );
  }
  if (values.verbose && values.quiet) throw new UsageError('choose one of --verbose, --quiet');
  const closeTimeout =
    values['close-timeout'] === undefined
      ? DEFAULT_CLOSE_TIMEOUT
      : parseMilliseconds('--close-timeout', values['close-timeout']);
  const output: OutputLevel = values.verbose ? 'verbose' : values.quiet ? 'quiet' : 'normal';
  checkChildrenAccept(strategy, values, listen);
  // Children that accept: the server can't count a client's connections (--max-per-client).
  const hardening = parseHardening(values, childrenAccept(strategy) ? { maxPerClient: 0 } : {});
  const drainDelay =
    values['drain-delay'] === undefined
      ? 0
      : parseMilliseconds('--drain-delay', values['drain-delay']);
  const agentPort = parseHealthPort('--agent-port', values['agent-port']);
  const readyPort = parseHealthPort('--ready-port', values['ready-port']);
  const workers =
    values.workers === undefined ? undefined : parseCount('--workers', values.workers);
  const reusePort = values['reuse-port'] === true;
  checkWorkers(listen, workers, reusePort);
  const tls = parseTLSFlags(values, listen);
  const proxyProtocol = parseProxyFlags(values, listen);
  return {
    command: 'serve',
    listen,
    strategy,
    handler,
    closeTimeout,
    output,
    hardening,
    drainDelay,
    ...(agentPort === undefined ? {} : { agentPort }),
    ...(readyPort === undefined ? {} : { readyPort }),
    ...(workers === undefined ? {} : { workers }),
    reusePort,
    ...(tls === undefined ? {} : { tls }),
    ...(proxyProtocol === undefined ? {} : { proxyProtocol }),
  };
}

/** `--workers` and `--reuse-port` serve TCP: a shared socket, or one per worker bound by address. */
function checkWorkers(
  listen: ListenRequest,
  workers: number | undefined,
  reusePort: boolean,
): void {
  if (reusePort && !(listen.transport === 'tcp' && 'address' in listen)) {
    throw new UsageError('--reuse-port binds a TCP address: use it with --tcp HOST:PORT');
  }
  if (workers !== undefined && listen.transport !== 'tcp') {
    throw new UsageError(
      '--workers runs several TCP server processes: use it with --tcp HOST:PORT or --tcp fd:N',
    );
  }
}

/** `PORT` (every interface, as a balancer or kubelet on another host needs) or `HOST:PORT`. */
function parseHealthPort(option: string, text: string | undefined): InetBindAddress | undefined {
  if (text === undefined) return undefined;
  return parseHostPort(option, /^\d+$/.test(text) ? `:${text}` : text);
}

/** The limit flags; each not given keeps its {@link HARDENING_DEFAULTS} value (or `defaults`'); 0 = off. */
function parseHardening(
  values: Partial<Record<string, string | boolean>>,
  defaults: Partial<Hardening>,
): Hardening {
  const given = (flag: string, fallback: number, parse: (o: string, t: string) => number) => {
    const text = values[flag];
    return typeof text === 'string' ? parse(`--${flag}`, text) : fallback;
  };
  return {
    idleTimeout: given('idle-timeout', HARDENING_DEFAULTS.idleTimeout, parseMilliseconds),
    firstByteTimeout: given(
      'first-byte-timeout',
      HARDENING_DEFAULTS.firstByteTimeout,
      parseMilliseconds,
    ),
    maxPerClient: given(
      'max-per-client',
      defaults.maxPerClient ?? HARDENING_DEFAULTS.maxPerClient,
      parseLimit,
    ),
    requestTimeout: given('request-timeout', HARDENING_DEFAULTS.requestTimeout, parseMilliseconds),
    minReadRate: given('min-read-rate', HARDENING_DEFAULTS.minReadRate, parseLimit),
    minReadGrace: given('min-read-grace', HARDENING_DEFAULTS.minReadGrace, parseMilliseconds),
  };
}

function parseLimit(option: string, text: string): number {
  const count = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(count)) {
    throw new UsageError(
      `${option} ${JSON.stringify(text)}: expected a whole number (0 = no limit)`,
    );
  }
  return count;
}

function parseMilliseconds(option: string, text: string): number {
  const ms = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(ms)) {
    throw new UsageError(
      `${option} ${JSON.stringify(text)}: expected a whole number of milliseconds (0 or more)`,
    );
  }
  return ms;
}

/** `parseArgs`' errors, reworded to one short line. */
function describeParseError(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const option = /'([^']+)'/.exec(message)?.[1] ?? message;
    return `unknown option ${option} (see sockserve --help)`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const option = /'(--?[\w-]+)/.exec(message)?.[1];
    if (option !== undefined && /argument missing|ambiguous/.test(message)) {
      return `${option} needs a value`;
    }
    if (option !== undefined && /does not take/.test(message)) return `${option} takes no value`;
  }
  return message.split('\n', 1)[0] ?? message;
}
