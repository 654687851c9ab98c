/**
 * The bench's request handlers: a line upper-case echo for streams and datagrams, and a
 * CPU-bound variant. Each says where it lives (`static readonly module`), so the threading
 * and forking strategies can import it in a worker thread or a child process.
 */
import { DatagramRequestHandler, StreamRequestHandler } from '@sockserve/stream';

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

/** Datagram: one reply per datagram, the datagram upper-cased (sent by `finish()`). */
export class UpperDatagramHandler extends DatagramRequestHandler {
  static readonly module = import.meta.url;

  override async handle(): Promise<void> {
    await this.wfile.write(this.packet.toString().toUpperCase());
  }
}
