/**
 * Servers for the PROXY protocol tests under each strategy, and their teardown: servers,
 * HAProxy and nginx processes, clients.
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import {
  AsyncStrategy,
  type ConcurrencyStrategy,
  type HandlerSource,
  type SocketAddress,
} from '@sockserve/core';
import { ForkingStrategy } from '@sockserve/forking';
import { TCPServer, type TCPServerOptions } from '@sockserve/tcp';
import { ThreadingStrategy } from '@sockserve/threading';

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
