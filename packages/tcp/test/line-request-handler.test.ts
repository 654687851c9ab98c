/**
 * `LineRequestHandler` (`@sockserve/stream`) served by a real `TCPServer` on loopback: replies
 * written from `handleLine()`'s value (sync, async, bytes, nothing), the client's half-close
 * ending `handle()`, errors reaching `handleError()`, backpressure from a client that stops
 * reading, and the request deadline's `signal`.
 */
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { connectTo, exchange, readToEnd } from '@sockserve/conformance';
import { LineRequestHandler, LineTooLongError } from '@sockserve/stream';
import { describe, expect, it } from 'vitest';
import { asyncServed } from './fixtures/async-served.ts';

const serve = asyncServed();

/** Upper-cases each line; `quiet` lines get no answer, `bytes` lines a Uint8Array, `later` an async one. */
class Answers extends LineRequestHandler {
  override handleLine(line: Buffer) {
    const text = line.toString();
    if (text === 'quiet\n') return undefined;
    if (text === 'bytes\n') return new Uint8Array([0x42, 0x0a]);
    if (text === 'later\n') return Promise.resolve('LATER\n');
    if (text === 'none later\n') return Promise.resolve(undefined);
    if (text === 'throw\n') throw new Error('handleLine threw');
    if (text === 'reject\n') return Promise.reject(new Error('handleLine rejected'));
    return text.toUpperCase();
  }
}

describe('LineRequestHandler over TCP', () => {
  it('writes what handleLine returns, in order, until the client half-closes', async () => {
    const { server, errors } = await serve(Answers);
    const reply = await exchange(
      server.serverAddress,
      'one\nquiet\nbytes\nlater\nnone later\ntwo\r\nlast',
    );
    expect(reply.toString()).toBe('ONE\nB\nLATER\nTWO\r\nLAST');
    expect(errors).toEqual([]);
  });

  it('answers lines split across writes, and goes on serving other clients', async () => {
    const { server } = await serve(Answers);
    const client = await connectTo(server.serverAddress);
    const got: Buffer[] = [];
    client.on('data', (chunk: Buffer) => got.push(chunk));
    const answered = (text: string) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (Buffer.concat(got).toString() === text) {
            client.off('data', check);
            resolve();
          }
        };
        client.on('data', check);
      });
    let next = answered('AB\n');
    client.write('a');
    client.write('b\nc');
    await next;
    next = answered('AB\nCD\n');
    client.write('d\n');
    await next;
    expect((await exchange(server.serverAddress, 'x\n')).toString()).toBe('X\n');
    client.end();
    await readToEnd(client);
    client.destroy();
  });

  it.each([
    ['throws', 'throw\n', 'handleLine threw'],
    ['rejects', 'reject\n', 'handleLine rejected'],
  ])(
    'a handleLine that %s: handleError gets the error, the connection closes',
    async (_how, line, message) => {
      const { server, errors } = await serve(Answers);
      const reply = await exchange(server.serverAddress, `ok\n${line}never\n`);
      expect(reply.toString()).toBe('OK\n');
      expect(errors).toEqual([expect.objectContaining({ message })]);
    },
  );

  it('a line over maxLineLength reaches handleError as LineTooLongError', async () => {
    class Short extends Answers {
      override maxLineLength = 16;
    }
    const { server, errors } = await serve(Short);
    const reply = await exchange(server.serverAddress, `fine\n${'x'.repeat(40)}\n`);
    expect(reply.toString()).toBe('FINE\n');
    expect(errors).toEqual([expect.any(LineTooLongError)]);
  });

  it('hands over no line while a reply waits for a client that stopped reading', async () => {
    const REPLY = 'r'.repeat(1024 * 1024);
    const lines = 48;
    const seen: boolean[] = [];
    const sockets: Socket[] = [];
    class Big extends LineRequestHandler {
      override handleLine(): string {
        sockets.push(this.request as Socket);
        // A line handed over while the socket still needs a drain would be a missed wait.
        seen.push(this.request.writableNeedDrain);
        return `${REPLY}\n`;
      }
    }
    const { server, errors } = await serve(Big);
    const client = await connectTo(server.serverAddress);
    client.pause();
    client.end('x\n'.repeat(lines));
    // The server blocks on the paused client: a reply the socket could not take (the kernel's
    // buffers full), and no line handed over since.
    while (!(sockets[0]?.writableNeedDrain ?? false)) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(seen.length).toBeLessThan(lines);
    const body = readToEnd(client);
    client.resume();
    expect((await body).length).toBe(lines * (REPLY.length + 1));
    client.destroy();
    expect(seen).toHaveLength(lines);
    expect(seen.every((needDrain) => !needDrain)).toBe(true);
    expect(errors).toEqual([]);
  });

  it('the request deadline ends a handler waiting for its next line', async () => {
    const { server, errors } = await serve(Answers, { requestTimeout: 60 });
    const client = await connectTo(server.serverAddress);
    const body = readToEnd(client);
    client.write('hi\n');
    expect((await body).toString()).toBe('HI\n');
    client.destroy();
    await once(client, 'close');
    expect(errors).toEqual([expect.objectContaining({ code: 'ERR_SOCKSERVE_REQUEST_TIMEOUT' })]);
  });
});
