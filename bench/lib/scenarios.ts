/**
 * The bench matrix: each comparison pits a sockserve server (side A) against a peer (side
 * B) — raw Node, Python's socketserver, or sockserve under another strategy — under one load.
 * Each target belongs to the issue that set it (issue #11's table is stricter than issue #6's,
 * and replaces it where both name a row); comparisons without a target fill in the matrix.
 */
import { fileURLToPath } from 'node:url';
import type { LoadOptions } from './loadgen.ts';
import type { ServerSpec, Transport } from './processes.ts';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const ECHO_SERVER = here('../echo-server.ts');
const NODE_STREAM = here('../peers/node-stream-echo.ts');
const NODE_DGRAM = here('../peers/node-dgram-echo.ts');
const PYTHON = here('../peers/python_echo.py');

/** One side of a comparison. */
export interface Side {
  readonly label: string;
  readonly spec: ServerSpec;
}

/** What is measured: throughput under load, or memory per idle connection. */
export type Workload =
  | { readonly kind: 'load'; readonly load: LoadOptions }
  | { readonly kind: 'idle'; readonly connections: number };

/** A goal on the ratio A / B, and the tracker issue that set it (the report names it). */
export interface Target {
  /** `min`: ratio >= value (throughput); `max`: ratio <= value (memory). */
  readonly kind: 'min' | 'max';
  readonly value: number;
  /** The issue whose Targets table owns this row (`11` for issue #11). */
  readonly issue: number;
}

/** Issue #11's targets (one request pipeline): the current ones for the rows it names. */
const issue11 = (kind: 'min' | 'max', value: number): Target => ({ kind, value, issue: 11 });
/** Issue #6's targets (the bench itself), for the rows issue #11 does not name. */
const issue6 = (kind: 'min' | 'max', value: number): Target => ({ kind, value, issue: 6 });

/** One comparison of the matrix. */
export interface Comparison {
  readonly id: string;
  readonly title: string;
  readonly transport: Transport;
  readonly workload: Workload;
  readonly a: Side;
  readonly b: Side;
  readonly target?: Target;
  /**
   * Measured rounds per side when this row needs more than the run's `--rounds` (never fewer):
   * for a peer whose rate is bimodal from round to round, so the median is its typical round.
   */
  readonly minRounds?: number;
}

/** sockserve's `echo-server.ts` with a strategy. */
export function sockserve(
  transport: Transport,
  strategy: string,
  extra: {
    workers?: number;
    handler?: 'cpu' | 'bare' | 'line';
    forkingMode?: string;
    /** Forking's `minSpareChildren` (`--min-spare`). */
    minSpare?: number;
  } = {},
): Side {
  const args = [ECHO_SERVER, '--transport', transport, '--strategy', strategy];
  if (extra.workers !== undefined) args.push('--workers', String(extra.workers));
  if (extra.handler !== undefined) args.push('--handler', extra.handler);
  if (extra.forkingMode !== undefined) args.push('--forking-mode', extra.forkingMode);
  if (extra.minSpare !== undefined) args.push('--min-spare', String(extra.minSpare));
  const spares = extra.minSpare === undefined ? '' : ` ${extra.minSpare} spares`;
  const workers = extra.workers === undefined ? '' : ` ${extra.workers}w`;
  const mode = extra.forkingMode === undefined ? '' : ` ${extra.forkingMode}`;
  return {
    label: `sockserve ${strategy}${mode}${spares}${workers}${extra.handler === undefined ? '' : ` (${extra.handler})`}`,
    spec: { command: process.execPath, args, transport },
  };
}

/** The raw Node peer for a transport (no peer for unixdgram: Node core lacks it). */
export function rawNode(transport: 'tcp' | 'udp' | 'unix'): Side {
  const script = transport === 'udp' ? NODE_DGRAM : NODE_STREAM;
  return {
    label: `raw node ${transport === 'udp' ? 'dgram' : 'net'}`,
    spec: { command: process.execPath, args: [script, '--transport', transport], transport },
  };
}

const PYTHON_NAMES: Record<string, Record<string, string>> = {
  tcp: { sequential: 'TCPServer', threading: 'ThreadingTCPServer', forking: 'ForkingTCPServer' },
  udp: { sequential: 'UDPServer', threading: 'ThreadingUDPServer', forking: 'ForkingUDPServer' },
  unix: { sequential: 'UnixStreamServer', threading: 'ThreadingUnixStreamServer' },
  unixdgram: { sequential: 'UnixDatagramServer', threading: 'ThreadingUnixDatagramServer' },
};

/** A Python socketserver peer. */
export function python(
  transport: Transport,
  strategy: 'sequential' | 'threading' | 'forking',
): Side {
  return {
    label: `python ${PYTHON_NAMES[transport]?.[strategy] ?? strategy}`,
    spec: {
      command: 'python3',
      args: [PYTHON, '--transport', transport, '--strategy', strategy],
      transport,
    },
  };
}

/**
 * Rounds per side against Python's ThreadingTCPServer with 50 persistent connections: its
 * rate is bimodal from round to round on 2 cores (GIL contention: the same ~1.1 cores of CPU
 * buy 15 µs or 55 µs a request), so three rounds left the median to chance. Five, on both
 * sides alike (bench/README.md, "The threading row and Python's GIL").
 */
const PYTHON_THREADS_ROUNDS = 5;

const persistent = (conns: number, duration: number): Workload => ({
  kind: 'load',
  load: { conns, duration, warmup: 0.5 },
});
const perRequest = (conns: number, duration: number): Workload => ({
  kind: 'load',
  load: { conns, duration, warmup: 0.5, perRequest: true },
});

/** The full matrix; `duration` is seconds per measured round. */
export function matrix(duration: number, idleConnections: number): Comparison[] {
  return [
    // Rows with a target.
    {
      id: 'tcp-persistent-async',
      title: 'TCP persistent, 50 conns: async vs raw net',
      transport: 'tcp',
      workload: persistent(50, duration),
      a: sockserve('tcp', 'async'),
      b: rawNode('tcp'),
      target: issue11('min', 0.95),
    },
    {
      id: 'tcp-per-request-async',
      title: 'TCP connection per request, 50 clients: async vs raw net',
      transport: 'tcp',
      workload: perRequest(50, duration),
      a: sockserve('tcp', 'async'),
      b: rawNode('tcp'),
      target: issue11('min', 0.95),
    },
    {
      id: 'udp-async',
      title: 'UDP, 50 clients: async vs raw dgram',
      transport: 'udp',
      workload: persistent(50, duration),
      a: sockserve('udp', 'async'),
      b: rawNode('udp'),
      target: issue11('min', 0.9),
    },
    {
      id: 'tcp-persistent-threading',
      title: 'TCP persistent, 50 conns: threading (2 workers) vs Python ThreadingTCPServer',
      transport: 'tcp',
      workload: persistent(50, duration),
      a: sockserve('tcp', 'threading', { workers: 2 }),
      b: python('tcp', 'threading'),
      target: issue11('min', 1.5),
      minRounds: PYTHON_THREADS_ROUNDS,
    },
    {
      id: 'tcp-per-request-forking-pool',
      title: 'TCP connection per request, 50 clients: forking pool vs Python ForkingTCPServer',
      transport: 'tcp',
      workload: perRequest(50, duration),
      a: sockserve('tcp', 'forking', { forkingMode: 'pool' }),
      b: python('tcp', 'forking'),
      target: issue6('min', 2),
    },
    {
      id: 'tcp-idle-memory',
      title: `TCP, ${idleConnections} idle conns: RSS per connection, async vs raw net`,
      transport: 'tcp',
      workload: { kind: 'idle', connections: idleConnections },
      a: sockserve('tcp', 'async'),
      b: rawNode('tcp'),
      target: issue11('max', 1.5),
    },
    {
      id: 'tcp-cpu-threading',
      title: 'TCP persistent, 8 conns, ~5 ms CPU a request: threading (2 workers) vs async',
      transport: 'tcp',
      workload: persistent(8, duration),
      a: sockserve('tcp', 'threading', { workers: 2, handler: 'cpu' }),
      b: sockserve('tcp', 'async', { handler: 'cpu' }),
      target: issue6('min', 1.7),
    },
    {
      id: 'unix-persistent-async',
      title: 'Unix stream persistent, 50 conns: async vs raw net',
      transport: 'unix',
      workload: persistent(50, duration),
      a: sockserve('unix', 'async'),
      b: rawNode('unix'),
      target: issue11('min', 0.9),
    },
    // The callback line path (LineRequestHandler), next to the rows above (for-await idiom).
    {
      id: 'tcp-persistent-async-line',
      title: 'TCP persistent, 50 conns: async line callback vs raw net',
      transport: 'tcp',
      workload: persistent(50, duration),
      a: sockserve('tcp', 'async', { handler: 'line' }),
      b: rawNode('tcp'),
    },
    {
      id: 'unix-persistent-async-line',
      title: 'Unix stream persistent, 50 conns: async line callback vs raw net',
      transport: 'unix',
      workload: persistent(50, duration),
      a: sockserve('unix', 'async', { handler: 'line' }),
      b: rawNode('unix'),
    },
    {
      id: 'unixdgram-async',
      title: 'Unix datagram, 50 clients: async vs Python UnixDatagramServer',
      transport: 'unixdgram',
      workload: persistent(50, duration),
      a: sockserve('unixdgram', 'async'),
      b: python('unixdgram', 'sequential'),
    },
    {
      id: 'tcp-per-request-sequential',
      title: 'TCP connection per request, 50 clients: sequential vs Python TCPServer',
      transport: 'tcp',
      workload: perRequest(50, duration),
      a: sockserve('tcp', 'sequential'),
      b: python('tcp', 'sequential'),
      target: issue11('min', 1.0),
    },
    {
      id: 'unix-per-request-sequential',
      title:
        'Unix stream connection per request, 50 clients: sequential vs Python UnixStreamServer',
      transport: 'unix',
      workload: perRequest(50, duration),
      a: sockserve('unix', 'sequential'),
      b: python('unix', 'sequential'),
      target: issue11('min', 1.0),
    },
    {
      id: 'udp-sequential',
      title: 'UDP, 50 clients: sequential vs Python UDPServer',
      transport: 'udp',
      workload: persistent(50, duration),
      a: sockserve('udp', 'sequential'),
      b: python('udp', 'sequential'),
      target: issue11('min', 1.0),
    },
    {
      id: 'tcp-persistent-async-vs-python',
      title: 'TCP persistent, 50 conns: async vs Python ThreadingTCPServer',
      transport: 'tcp',
      workload: persistent(50, duration),
      a: sockserve('tcp', 'async'),
      b: python('tcp', 'threading'),
      minRounds: PYTHON_THREADS_ROUNDS,
    },
    {
      // A fresh child per request: throughput is bounded by how many children the machine
      // starts per second (~10–20 per core), so 50 clients with a 2 s timeout only measured
      // the timeout (0 req/s). Two clients (about one per core), a 10 s timeout and two spare
      // children: what per-request mode sustains, next to Python's fork per request.
      id: 'tcp-per-request-forking-per-request',
      title:
        'TCP connection per request, 2 clients: forking per-request (2 spares) vs Python ForkingTCPServer',
      transport: 'tcp',
      workload: {
        kind: 'load',
        load: { conns: 2, duration, warmup: 0.5, perRequest: true, timeoutMs: 10_000 },
      },
      a: sockserve('tcp', 'forking', { forkingMode: 'per-request', minSpare: 2 }),
      b: python('tcp', 'forking'),
    },
  ];
}

/** Extra servers the smoke run also pings, so every transport × strategy starts and answers. */
export function smokeExtras(): Side[] {
  return [
    sockserve('udp', 'threading', { workers: 2 }),
    sockserve('unix', 'threading', { workers: 2 }),
    sockserve('unixdgram', 'threading', { workers: 2 }),
    sockserve('unixdgram', 'sequential'),
    sockserve('udp', 'forking', { forkingMode: 'pool' }),
    sockserve('unix', 'forking', { forkingMode: 'pool' }),
    python('unix', 'threading'),
  ];
}
