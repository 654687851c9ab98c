/**
 * The sockserve side of the bench: a line upper-case echo on any transport and strategy.
 *
 *   node bench/echo-server.ts --transport tcp|udp|unix|unixdgram
 *        --strategy sequential|async|threading|forking [--workers N]
 *        (--host H --port P | --path P) [--handler echo|cpu|bare|line|async] [--forking-mode pool|per-request]
 *        [--min-spare N] [--accept-in server|children]
 *
 * Streams answer every line on a persistent connection until EOF; datagrams get one reply
 * each. Prints `listening on ADDR` (`127.0.0.1:PORT` or the path) once it takes traffic and
 * exits 0 after a graceful stop on SIGINT or SIGTERM. `--handler cpu` adds ~5 ms of CPU work
 * per line (streams only); `--handler bare` serves the same echo from a bare
 * `BaseRequestHandler` on the socket's own events (core's share without @sockserve/stream);
 * `--handler line` serves it from a `LineRequestHandler` (the callback line path, streams only);
 * `--handler async` (datagrams only) answers from an `async handle()` instead of a plain one.
 * `--min-spare N`: forking's `minSpareChildren`; `--accept-in children`: forking's `acceptIn`. Exit code 2: bad flags;
 */
import { parseArgs } from 'node:util';
import { type BaseServer, type ConcurrencyStrategy, formatAddress } from '@sockserve/core';
import { TCPServer } from '@sockserve/tcp';
import { UDPServer } from '@sockserve/udp';
import { UnixDatagramServer, UnixStreamServer } from '@sockserve/unix';
import {
  AsyncUpperDatagramHandler,
  BareEchoHandler,
  CpuEchoHandler,
  UpperDatagramHandler,
  UpperEchoHandler,
  UpperLineHandler,
} from './handlers.ts';
import {
  createStrategy,
  FORKING_MODES,
  type ForkingMode,
  STRATEGY_NAMES,
  type StrategyName,
} from './lib/strategies.ts';

const TRANSPORTS = ['tcp', 'udp', 'unix', 'unixdgram'] as const;
type Transport = (typeof TRANSPORTS)[number];

function usage(message: string): never {
  console.error(`echo-server: ${message}`);
  console.error(
    'usage: node bench/echo-server.ts --transport tcp|udp|unix|unixdgram --strategy sequential|async|threading|forking [--workers N] (--host H --port P | --path P) [--handler echo|cpu|bare|line|async] [--forking-mode pool|per-request] [--min-spare N] [--accept-in server|children]',
  );
  process.exit(2);
}

function oneOf<T extends string>(
  flag: string,
  value: string | undefined,
  allowed: readonly T[],
): T {
  if (value !== undefined && (allowed as readonly string[]).includes(value)) return value as T;
  return usage(`--${flag} must be one of ${allowed.join(', ')}; got ${JSON.stringify(value)}`);
}

const { values } = parseArgs({
  options: {
    transport: { type: 'string' },
    strategy: { type: 'string' },
    workers: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string' },
    path: { type: 'string' },
    handler: { type: 'string', default: 'echo' },
    'forking-mode': { type: 'string', default: 'pool' },
    'min-spare': { type: 'string' },
    'accept-in': { type: 'string' },
  },
});
const transport = oneOf<Transport>('transport', values.transport, TRANSPORTS);
const strategyName = oneOf<StrategyName>('strategy', values.strategy, STRATEGY_NAMES);
const forkingMode = oneOf<ForkingMode>('forking-mode', values['forking-mode'], FORKING_MODES);
const handlerKind = oneOf('handler', values.handler, [
  'echo',
  'cpu',
  'bare',
  'line',
  'async',
] as const);
const workers = values.workers === undefined ? undefined : Number(values.workers);
if (workers !== undefined && !(Number.isInteger(workers) && workers >= 1)) {
  usage(`--workers must be an integer >= 1; got ${JSON.stringify(values.workers)}`);
}
const minSpare = values['min-spare'] === undefined ? undefined : Number(values['min-spare']);
if (minSpare !== undefined && !(Number.isInteger(minSpare) && minSpare >= 0)) {
  usage(`--min-spare must be an integer >= 0; got ${JSON.stringify(values['min-spare'])}`);
}
const acceptIn =
  values['accept-in'] === undefined
    ? undefined
    : oneOf('accept-in', values['accept-in'], ['server', 'children'] as const);
const datagram = transport === 'udp' || transport === 'unixdgram';
if (handlerKind === 'async' ? !datagram : handlerKind !== 'echo' && datagram) {
  usage(`--handler ${handlerKind} is for ${datagram ? 'stream' : 'datagram'} transports`);
}

const strategy: ConcurrencyStrategy = await createStrategy({
  name: strategyName,
  workers,
  forkingMode,
  minSpare,
  acceptIn,
});

/** Creates the server for the transport the flags ask for. */
// biome-ignore lint/suspicious/noExplicitAny: any server kind.
async function createServer(): Promise<BaseServer<any>> {
  const options = { strategy };
  const streamHandler = {
    echo: UpperEchoHandler,
    cpu: CpuEchoHandler,
    bare: BareEchoHandler,
    line: UpperLineHandler,
    async: UpperEchoHandler,
  }[handlerKind];
  const datagramHandler =
    handlerKind === 'async' ? AsyncUpperDatagramHandler : UpperDatagramHandler;
  if (transport === 'tcp' || transport === 'udp') {
    const port = Number(values.port ?? Number.NaN);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      usage(`--port must be an integer from 0 to 65535; got ${JSON.stringify(values.port)}`);
    }
    const address = { host: values.host, port };
    return transport === 'tcp'
      ? TCPServer.create(address, streamHandler, options)
      : UDPServer.create(address, datagramHandler, options);
  }
  const path = values.path ?? usage('--path is required for unix and unixdgram');
  return transport === 'unix'
    ? UnixStreamServer.create(path, streamHandler, options)
    : UnixDatagramServer.create(path, datagramHandler, { ...options, mode: 0o600 });
}

const server = await createServer();
const stop = () => void server.shutdown();
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
console.log(`listening on ${formatAddress(server.serverAddress)}`);
try {
  await server.serveForever();
} finally {
  await server.serverClose();
}
