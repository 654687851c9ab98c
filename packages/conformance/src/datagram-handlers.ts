/** Datagram handlers the conformance suite runs; each says where it lives (`static module`). */
import { ServerExit } from '@sockserve/core';
import { DatagramRequestHandler } from '@sockserve/stream';

/** CPython's test handler on datagrams: one line in, the same line back. */
export class DatagramEchoHandler extends DatagramRequestHandler {
  static readonly module = import.meta.url;

  override async handle(): Promise<void> {
    await this.wfile.write(await this.rfile.readline());
  }
}

/** Answers with the datagram's length in bytes, as text (`0` for an empty one). */
export class DatagramLengthHandler extends DatagramRequestHandler {
  static readonly module = import.meta.url;

  override async handle(): Promise<void> {
    await this.wfile.write(String(this.packet.length));
  }
}

/** Throws an `Error` naming the datagram. */
export class DatagramFailingHandler extends DatagramRequestHandler {
  static readonly module = import.meta.url;

  override handle(): void {
    throw new Error(`boom: ${this.packet.toString()}`);
  }
}

/** Throws `ServerExit`. */
export class DatagramExitHandler extends DatagramRequestHandler {
  static readonly module = import.meta.url;

  override handle(): void {
    throw new ServerExit('datagram handler asked to exit');
  }
}

/** Calls `server.shutdown()` from inside the handler, then answers `stopped`. */
export class DatagramShutdownInsideHandler extends DatagramRequestHandler<{
  shutdown(): Promise<void>;
}> {
  static readonly module = import.meta.url;

  override async handle(): Promise<void> {
    await this.server.shutdown();
    await this.wfile.write('stopped');
  }
}

/** `hang`: replies `hanging` at once and then waits until its request is cut; others are echoed. */
export class DatagramHangHandler extends DatagramRequestHandler {
  static readonly module = import.meta.url;

  override async handle(): Promise<void> {
    if (this.packet.toString() !== 'hang') {
      await this.wfile.write(this.packet);
      return;
    }
    await this.request.reply(Buffer.from('hanging'));
    const signal = this.signal;
    await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
  }
}
