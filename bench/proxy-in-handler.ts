/**
 * A measure for issue 14, not a feature: what reading the PROXY header in the worker or child
 * would cost (the `parseIn: 'runner'` design), before it is built. The server has no
 * `proxyProtocol`, so under threading the untouched socket moves to the worker (no relay) and
 * under forking the child gets the handle with no bytes; this handler then reads the header
 * off the socket with the same parser, puts the bytes after it back, and answers like
 * `UpperEchoHandler`. Left out against the real design: the header deadline (one shared
 * timer), the trust check (at accept, before the move), and reporting a refusal back to the
 * server.
 */
import type { Socket } from 'node:net';
import { ProxyHeaderParser } from '@sockserve/proxy-protocol';
import { StreamRequestHandler } from '@sockserve/stream';

/** Reads a PROXY header off `socket`; resolves once it is whole (the rest put back). */
function readHeader(socket: Socket): Promise<void> {
  const parser = new ProxyHeaderParser();
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      try {
        const result = parser.push(chunk);
        if (!result.done) return;
        socket.removeListener('data', onData);
        socket.pause();
        if (result.rest.length > 0) socket.unshift(result.rest);
        resolve();
      } catch (error) {
        socket.removeListener('data', onData);
        reject(error);
      }
    };
    socket.on('data', onData);
  });
}

/** `UpperEchoHandler` behind a PROXY header it reads itself; see the module comment. */
export class ProxyInHandlerEcho extends StreamRequestHandler {
  static readonly module = import.meta.url;

  override async handle(): Promise<void> {
    await readHeader(this.request as Socket);
    for await (const line of this.rfile) {
      await this.wfile.write(line.toString().toUpperCase());
    }
  }
}
