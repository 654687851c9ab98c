/**
 * Servers for the PROXY protocol tests under each strategy, and their teardown: servers,
 * HAProxy and nginx processes, clients; and what those tests share — a v2 header, the
 * rejections published, HAProxy in front, its health checks' account, how a connection
 * reaches a runner.
 */
import diagnostics from 'node:diagnostics_channel';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import {
  AsyncStrategy,
  type ConcurrencyStrategy,
  type HandlerSource,
  peerResetCode,
  type SocketAddress,
} from '@sockserve/core';
import { ForkingStrategy } from '@sockserve/forking';
import { encodeProxyHeader, type ProxyTlv } from '@sockserve/proxy-protocol';
import { TCPServer, type TCPServerOptions } from '@sockserve/tcp';
import { socketsMoveToWorkers, startHaproxy } from '@sockserve/test-support';
import { ThreadingStrategy } from '@sockserve/threading';
import { expect, vi } from 'vitest';

/** The strategies every PROXY test runs under. */
export const STRATEGIES = {
  async: () => new AsyncStrategy(),
  threading: () => new ThreadingStrategy({ maxWorkers: 2 }),
  forking: () => new ForkingStrategy({ maxChildren: 2 }),
} as const;

/** A strategy's name. */
export type StrategyName = keyof typeof STRATEGIES;

/** A TCP server that keeps the errors `handleError` got (none expected). */
export class RecordingTCPServer extends TCPServer {
  readonly errors: unknown[] = [];

  override handleError(_request: Socket, _client: SocketAddress, error: unknown): void {
    this.errors.push(error);
  }
}

const closers: Array<() => Promise<unknown>> = [];

/** Runs `close` in {@link closeAll}, last registered first. */
export function onTeardown(close: () => Promise<unknown>): void {
  closers.push(close);
}

/** Closes everything registered. */
export async function closeAll(): Promise<void> {
  for (const close of closers.splice(0).reverse()) await close();
}

/** A serving TCP server on a free loopback port under `strategy` (a name, or one of its own), closed in teardown. */
export async function serveTcp(
  strategy: StrategyName | ConcurrencyStrategy,
  handler: HandlerSource,
  options: TCPServerOptions,
): Promise<RecordingTCPServer> {
  const server = await RecordingTCPServer.create({ host: '127.0.0.1', port: 0 }, handler, {
    ...options,
    strategy: typeof strategy === 'string' ? STRATEGIES[strategy]() : strategy,
  });
  const loop = server.serveForever();
  loop.catch(() => {});
  onTeardown(async () => {
    await server.shutdown();
    await loop.catch(() => {});
    await server.serverClose({ timeout: 1000 });
  });
  return server;
}

/**
 * Connects to `port` on 127.0.0.1, sends `data`, resolves with the first line back: '' when
 * the server closed or reset the connection without one.
 */
export async function askLine(
  port: number,
  data: string | Buffer,
): Promise<{ line: string; local: number }> {
  const socket = connect({ host: '127.0.0.1', port });
  socket.on('error', () => {});
  try {
    await once(socket, 'connect');
  } catch {
    return { line: '', local: 0 }; // reset at once (a refused connection)
  }
  const local = socket.localPort ?? 0;
  socket.write(data);
  let got = '';
  socket.setEncoding('latin1');
  try {
    for await (const chunk of socket) {
      got += chunk as string;
      if (got.includes('\n')) break;
    }
  } catch {
    // Reset: what was read so far.
  }
  socket.destroy();
  return { line: got, local };
}

/** A PROXY v2 header from `host:port` (IPv4) to 192.0.2.80:80, with `tlvs`. */
export const v2Header = (host: string, port: number, tlvs: readonly ProxyTlv[] = []) =>
  encodeProxyHeader({
    version: 2,
    family: 'IPv4',
    source: { family: 'IPv4', host, port },
    destination: { family: 'IPv4', host: '192.0.2.80', port: 80 },
    ...(tlvs.length === 0 ? {} : { tlvs: [...tlvs] }),
  });

/** A rejection published on `sockserve:proxy.rejected`. */
export type Rejection = {
  reason: string;
  clientAddress: { host: string };
  error?: { code: string } | unknown;
};

/** The rejections published from now until the teardown, as they come. */
export function rejections(): Rejection[] {
  const seen: Rejection[] = [];
  const listen = (message: unknown) => seen.push(message as Rejection);
  diagnostics.subscribe('sockserve:proxy.rejected', listen);
  onTeardown(async () => diagnostics.unsubscribe('sockserve:proxy.rejected', listen));
  return seen;
}

/**
 * An async server trusting 127.0.0.1's PROXY headers, with a header timeout far beyond any
 * test's (a reset or a FIN must settle the read, not the deadline), and the reasons of the
 * rejections published from now on.
 */
export async function localProxiedServer(handler: HandlerSource) {
  const seen = rejections();
  const server = await serveTcp('async', handler, {
    proxyProtocol: { trusted: ['127.0.0.1'], headerTimeout: 600_000 },
  });
  return { server, port: server.serverAddress.port, reasons: () => seen.map((r) => r.reason) };
}

/** A real HAProxy in front of `port` with `serverOptions` (`send-proxy-v2 check …`): its front port. */
export async function haproxyTo(port: number, serverOptions: string): Promise<number> {
  const haproxy = await startHaproxy([
    { name: 'front', upstream: { host: '127.0.0.1', port }, serverOptions },
  ]);
  onTeardown(() => haproxy.stop());
  return haproxy.ports.front as number;
}

/**
 * HAProxy's checks (connect and reset, often before the accept; v2 a LOCAL header, v1 a line
 * of the check's own addresses) are counted in `stats.proxyHealthChecks`, never refused nor
 * an error. A v1 check's line then reset is indistinguishable from a client that resets (the
 * default handleError gives it one line): peer resets are left out for v1.
 */
export async function expectHealthChecksCounted(
  server: RecordingTCPServer,
  version: 1 | 2,
): Promise<void> {
  await vi.waitFor(() => expect(server.stats.proxyHealthChecks).toBeGreaterThan(0), {
    timeout: 5000,
  });
  expect(server.stats.proxyRejected ?? 0).toBe(0);
  const errors =
    version === 1
      ? server.errors.filter((error) => peerResetCode(error) === undefined)
      : server.errors;
  expect(errors).toEqual([]);
}

/**
 * How a TCP connection reaches a runner under `strategy`: `moved` (the socket itself), or
 * `relay` under threading where Node can't move a socket to a worker (22).
 */
export async function tcpVia(strategy: 'threading' | 'forking'): Promise<'moved' | 'relay'> {
  if (strategy === 'forking') return 'moved';
  workersTakeSockets ??= socketsMoveToWorkers();
  return (await workersTakeSockets) ? 'moved' : 'relay';
}
let workersTakeSockets: Promise<boolean> | undefined;
