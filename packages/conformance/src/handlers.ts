/**
 * Handlers the conformance suite runs. Each says where it lives (`static module`), so the
 * same classes load under every strategy, in this thread or another.
 */
import type { Socket } from 'node:net';
import { BaseRequestHandler, ServerExit } from '@sockserve/core';
import { StreamRequestHandler } from '@sockserve/stream';

/** CPython's test handler: one line in, the same line out. */
export class EchoLineHandler extends StreamRequestHandler {
  static readonly module = import.meta.url;

  override async handle(): Promise<void> {
    await this.wfile.write(await this.rfile.readline());
  }
}

/** Upper-cases every line until the client ends the connection. */
export class UpperLinesHandler extends StreamRequestHandler {
  static readonly module = import.meta.url;

  override async handle(): Promise<void> {
    for await (const line of this.rfile) await this.wfile.write(line.toString().toUpperCase());
  }
}

/** Reads a line, then throws an `Error` naming it. */
export class FailingHandler extends StreamRequestHandler {
  static readonly module = import.meta.url;

  override async handle(): Promise<void> {
    const line = (await this.rfile.readline()).toString().trim();
    throw new Error(`boom: ${line}`);
  }
}

/** Reads a line, then throws `ServerExit` (Python's SystemExit from a handler). */
export class ExitHandler extends StreamRequestHandler {
  static readonly module = import.meta.url;

  override async handle(): Promise<void> {
    await this.rfile.readline();
    throw new ServerExit('handler asked to exit');
  }
}

/** Writes `setup` then throws in `setup()`; `finish()` would write `finish`. */
export class SetupThrowsHandler extends StreamRequestHandler {
  static readonly module = import.meta.url;

  override async setup(): Promise<void> {
    await super.setup();
    await this.wfile.write('setup\n');
    throw new Error('setup failed');
  }

  override async finish(): Promise<void> {
    await this.wfile.write('finish\n');
    await super.finish();
  }
}

/** Writes `handle`, throws in `handle()`; `finish()` writes `finish`. */
export class HandleThrowsHandler extends StreamRequestHandler {
  static readonly module = import.meta.url;

  override async handle(): Promise<void> {
    await this.wfile.write('handle\n');
    throw new Error('handle failed');
  }

  override async finish(): Promise<void> {
    await this.wfile.write('finish\n');
    await super.finish();
  }
}

/** Reads a decimal size, answers with that many bytes (byte i = i % 251) in one write. */
export class BigReplyHandler extends StreamRequestHandler {
  static readonly module = import.meta.url;

  override async handle(): Promise<void> {
    const size = Number.parseInt((await this.rfile.readline()).toString(), 10);
    await this.wfile.write(patternBytes(size));
  }
}

/** Writes `ping`, waits for the client's `ack` line, writes `done`: proves writes need no flush. */
export class PingAckHandler extends StreamRequestHandler {
  static readonly module = import.meta.url;

  override async handle(): Promise<void> {
    await this.wfile.write('ping\n');
    const ack = (await this.rfile.readline()).toString();
    await this.wfile.write(ack === 'ack\n' ? 'done\n' : `unexpected ${JSON.stringify(ack)}\n`);
  }
}

/** Calls `server.shutdown()` from inside the handler, then answers `stopped`. */
export class ShutdownInsideHandler extends StreamRequestHandler<{ shutdown(): Promise<void> }> {
  static readonly module = import.meta.url;

  override async handle(): Promise<void> {
    await this.rfile.readline();
    await this.server.shutdown();
    await this.wfile.write('stopped\n');
  }
}

/** Answers with the client address it was given (family, host, port). */
export class AddressHandler extends BaseRequestHandler<Socket> {
  static readonly module = import.meta.url;

  override handle(): Promise<void> {
    const a = this.clientAddress;
    const text = a.family === 'unix' ? 'unix' : `${a.family} ${a.host} ${a.port}`;
    return new Promise((resolve) => this.request.end(text, resolve));
  }
}

/** `size` bytes where byte i is `i % 251`: a pattern that shows reordering or loss. */
export function patternBytes(size: number): Buffer {
  const data = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i += 1) data[i] = i % 251;
  return data;
}

/** `hang`: answers `hanging` and then waits until its request is cut; any other line is echoed. */
export class HangOnRequestHandler extends StreamRequestHandler {
  static readonly module = import.meta.url;

  override async handle(): Promise<void> {
    const line = await this.rfile.readline();
    if (line.toString() !== 'hang\n') {
      await this.wfile.write(line);
      return;
    }
    await this.wfile.write('hanging\n');
    const signal = this.signal;
    await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
  }
}
