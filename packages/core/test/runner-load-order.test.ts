/**
 * A runner takes no request until it is whole: handler, connection upgrade and preamble all
 * loaded. A connection the pool sends while the preamble's module is still importing waits
 * and then goes through the preamble (before the fix it ran at once without it: a PROXY
 * header read as data, a TLS connection served in plain text). Its own file: a
 * `RequestRunner` marks this process as a runner.
 */
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { BaseRequestHandler } from '../src/handler.ts';
import { RequestRunner } from '../src/remote/request-runner.ts';
import { runnerInit } from './fixtures/runner-init.js';

interface Gate {
  events: string[];
  gate: Promise<void>;
  importing: () => void;
}
const holder = globalThis as { __sockserveGatedPreamble?: Gate };
const fixture = fileURLToPath(new URL('./fixtures/gated-preamble.mjs', import.meta.url));
const events: string[] = [];

class Recorder extends BaseRequestHandler<Socket> {
  override handle(): void {
    events.push('handler');
    this.request.end();
  }
}

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

describe('RequestRunner.load', () => {
  it('holds a connection that arrives while the preamble loads, then runs the preamble first', async () => {
    let release = () => {};
    let importing = () => {};
    const importStarted = new Promise<void>((resolve) => {
      importing = resolve;
    });
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    holder.__sockserveGatedPreamble = { events, gate, importing };

    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    const client = connect(port, '127.0.0.1');
    cleanups.push(() => {
      client.destroy();
      server.close();
    });
    const [socket] = (await once(server, 'connection')) as [Socket];

    const messages: Array<{ t: string }> = [];
    let done = () => {};
    const finished = new Promise<void>((resolve) => {
      done = resolve;
    });
    const init = runnerInit(Recorder as never, {
      preamble: { module: pathToFileURL(fixture).href, export: 'make', settings: null },
    });
    const runner = new RequestRunner(
      init,
      (message) => {
        messages.push(message);
        if (message.t === 'done') done();
      },
      'test',
    );
    const loading = runner.load();
    await importStarted; // the handler is resolved; the preamble's module is importing
    runner.receive({
      t: 'stream',
      id: 1,
      clientAddress: { host: '127.0.0.1', port: client.localPort ?? 0, family: 'IPv4' },
      socket,
    });
    release();
    expect(await loading).toBe(true);
    await finished;
    expect(events).toEqual(['preamble', 'handler']);
    expect(messages.map((message) => message.t)).toEqual(['ready', 'done']);
  });
});
