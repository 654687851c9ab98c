// Type-checked by the consumer check (tsc, module nodenext, strict) against the installed
// tarballs' .d.ts files: the public types a TypeScript user of tcp + threading touches.
import type { Socket } from 'node:net';
import {
  BaseRequestHandler,
  BindError,
  type CloseReport,
  formatAddress,
  type InetAddress,
} from '@sockserve/core';
import { TCPServer, type TCPServerOptions } from '@sockserve/tcp';
import {
  currentThreadName,
  ThreadingMixIn,
  type ThreadingOptions,
  ThreadingStrategy,
} from '@sockserve/threading';

export class Upper extends BaseRequestHandler<Socket> {
  static readonly module = import.meta.url;

  override async handle(): Promise<void> {
    const name: string = currentThreadName();
    await new Promise<void>((resolve) => this.request.end(`${name}\n`, () => resolve()));
  }
}

class ThreadingTCPServer extends ThreadingMixIn(TCPServer) {
  override daemonThreads = true;
}

const options: TCPServerOptions & ThreadingOptions = { maxWorkers: 2, requestQueueSize: 16 };

export async function main(): Promise<CloseReport> {
  const server = await ThreadingTCPServer.create({ host: '127.0.0.1', port: 0 }, Upper, options);
  const address: InetAddress = server.serverAddress;
  const blocks: boolean = server.blockOnClose;
  console.log(formatAddress(address), blocks);
  const composed = await TCPServer.create(['::1', 0], Upper, {
    strategy: new ThreadingStrategy({ maxWorkers: 1 }),
  });
  await composed.serverClose();
  // @ts-expect-error an unknown option is a type error
  await TCPServer.create({ port: 0 }, Upper, { maxWorker: 2 }).catch(() => undefined);
  try {
    await server.serveForever({ signal: AbortSignal.timeout(10) });
  } catch (error) {
    if (error instanceof BindError) console.log(error.syscallCode);
  }
  return server.serverClose({ timeout: 1000 });
}
