/**
 * The bench's request handlers: a line upper-case echo for streams and datagrams, and a
 * CPU-bound variant. Each says where it lives (`static readonly module`), so the threading
 * and forking strategies can import it in a worker thread or a child process.
 */
import type { Socket } from 'node:net';
import { BaseRequestHandler } from '@sockserve/core/handler';
import {
  DatagramRequestHandler,
  LineRequestHandler,
  StreamRequestHandler,
} from '@sockserve/stream';

/** Iterations of {@link burnCpu} that take about 5 ms of CPU on the bench machine (2-core VM, Node 24). */
export const CPU_ITERATIONS = 3_200_000;

/** A fixed amount of CPU work (xorshift steps): the same work under every strategy, however it is scheduled. */
export function burnCpu(iterations: number): number {
  let x = 0x9e3779b9 | 0;
  for (let i = 0; i < iterations; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
  }
  return x;
}

/** Stream: answers every line upper-cased, on a persistent connection, until the client's EOF. */
export class UpperEchoHandler extends StreamRequestHandler {
  static readonly module = import.meta.url;

  override async handle(): Promise<void> {
    for await (const line of this.rfile) {
      await this.wfile.write(line.toString().toUpperCase());
    }
  }
}

/**
 * Stream: {@link UpperEchoHandler}'s echo written as a line callback (`LineRequestHandler`,
 * `rfile.forEachLine`): no promise a line while the client takes the replies.
 */
export class UpperLineHandler extends LineRequestHandler {
  static readonly module = import.meta.url;

  override handleLine(line: Buffer): string {
    return line.toString().toUpperCase();
  }
}

/** Stream: like {@link UpperEchoHandler}, after ~5 ms of CPU work per line. */
export class CpuEchoHandler extends StreamRequestHandler {
  static readonly module = import.meta.url;

  override async handle(): Promise<void> {
    for await (const line of this.rfile) {
      burnCpu(CPU_ITERATIONS);
      await this.wfile.write(line.toString().toUpperCase());
    }
  }
}

/**
 * Stream, without `@sockserve/stream`: the raw peer's own line splitting on the socket's
 * 'data' events, inside a bare `BaseRequestHandler`. Its cost over raw `net` is core's share of
 * a connection; `UpperEchoHandler`'s cost over it is the stream handler's.
 */
export class BareEchoHandler extends BaseRequestHandler<Socket> {
  static readonly module = import.meta.url;

  override handle(): Promise<void> {
    const socket = this.request;
    let pending = '';
    socket.setEncoding('latin1');
    return new Promise<void>((resolve) => {
      socket.on('data', (chunk: string) => {
        pending += chunk;
        const end = pending.lastIndexOf('\n');
        if (end < 0) return;
        socket.write(pending.slice(0, end + 1).toUpperCase(), 'latin1');
        pending = pending.slice(end + 1);
      });
      // Once: a second resolve() of the settled promise costs V8's multiple-resolve report
      // (Node's PromiseRejectCallback, ~2.1k instructions a connection), which raw net has not.
      let ended = false;
      const end = () => {
        if (ended) return;
        ended = true;
        resolve();
      };
      socket.once('end', end);
      socket.once('close', end);
    });
  }
}

/**
 * Datagram: one reply per datagram, the datagram upper-cased (sent by `finish()`). A plain
 * `handle()`, as Python's `DatagramRequestHandler` is written: a datagram's `wfile.write()`
 * only collects the reply, there is nothing to wait for.
 */
export class UpperDatagramHandler extends DatagramRequestHandler {
  static readonly module = import.meta.url;

  override handle(): void {
    void this.wfile.write(this.packet.toString().toUpperCase());
  }
}

/** {@link UpperDatagramHandler} with an `async handle()` that awaits the write (`--handler async`). */
export class AsyncUpperDatagramHandler extends DatagramRequestHandler {
  static readonly module = import.meta.url;

  override async handle(): Promise<void> {
    await this.wfile.write(this.packet.toString().toUpperCase());
  }
}
