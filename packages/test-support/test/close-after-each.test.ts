/**
 * The shared servers-and-sockets teardown, over real loopback listeners and clients: the
 * sockets are destroyed before any server is stopped, every server is stopped then closed with
 * the given drain, both lists end empty, and a server that fails to close neither keeps the
 * others open nor is lost.
 */
import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { closeAfterEach, openServers, type StoppableServer } from '../src/index.js';

/** A plain `net.Server` behind sockserve's stop/close pair, recording what the teardown did. */
class RecordingServer implements StoppableServer {
  /** Clients whose state `shutdown()` records: all destroyed by then, or not. */
  readonly clients: Socket[] = [];
  readonly listener: Server = createServer((socket) => socket.resume());
  readonly #log: string[];
  readonly name: string;
  readonly #closeFails: boolean;
  constructor(log: string[], name: string, closeFails = false) {
    this.#log = log;
    this.name = name;
    this.#closeFails = closeFails;
  }
  async listen(): Promise<number> {
    this.listener.listen(0, '127.0.0.1');
    await once(this.listener, 'listening');
    return (this.listener.address() as AddressInfo).port;
  }
  async shutdown(): Promise<void> {
    const destroyed = this.clients.every((socket) => socket.destroyed);
    this.#log.push(`${this.name} shutdown${destroyed ? '' : ' BEFORE its clients were destroyed'}`);
  }
  async serverClose(options: { timeout: number }): Promise<void> {
    this.#log.push(`${this.name} serverClose ${options.timeout}`);
    await new Promise<void>((resolve) => this.listener.close(() => resolve()));
    if (this.#closeFails) throw new Error(`${this.name} failed to close`);
  }
}

async function client(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  return socket;
}

const hooked = closeAfterEach<RecordingServer>({ afterEach }, { closeTimeout: 123 });
const hookedLog: string[] = [];

it('closeAfterEach: registers the close as an afterEach (the next test sees its effect)', async () => {
  const server = new RecordingServer(hookedLog, 'hooked');
  const port = await server.listen();
  hooked.servers.push(server);
  const socket = await client(port);
  server.clients.push(socket);
  hooked.sockets.push(socket);
});

it('closeAfterEach: …which destroyed the socket and closed the server with the drain given', () => {
  expect(hookedLog).toEqual(['hooked shutdown', 'hooked serverClose 123']);
  expect(hooked.servers).toEqual([]);
  expect(hooked.sockets).toEqual([]);
});

const left: Server[] = [];
afterEach(() => {
  for (const listener of left.splice(0)) listener.close();
});

it('destroys every socket first, then stops and closes each server in order; lists end empty', async () => {
  const log: string[] = [];
  const open = openServers<RecordingServer>({ closeTimeout: 50 });
  const a = new RecordingServer(log, 'a');
  const b = new RecordingServer(log, 'b');
  left.push(a.listener, b.listener);
  const [portA, portB] = [await a.listen(), await b.listen()];
  open.servers.push(a, b);
  const clients = [await client(portA), await client(portB)];
  a.clients.push(...clients);
  b.clients.push(...clients);
  open.sockets.push(...clients);
  await open.close();
  expect(log).toEqual(['a shutdown', 'a serverClose 50', 'b shutdown', 'b serverClose 50']);
  expect(open.sockets).toEqual([]);
  expect(open.servers).toEqual([]);
  expect(a.listener.listening).toBe(false);
  expect(b.listener.listening).toBe(false);
  expect(clients.every((socket) => socket.destroyed)).toBe(true);
});

it('a server that fails to close does not keep the next one open; its error is rethrown', async () => {
  const log: string[] = [];
  const open = openServers<RecordingServer>({ closeTimeout: 10 });
  const failing = new RecordingServer(log, 'failing', true);
  const next = new RecordingServer(log, 'next');
  left.push(failing.listener, next.listener);
  await failing.listen();
  await next.listen();
  open.servers.push(failing, next);
  await expect(open.close()).rejects.toThrow('failing failed to close');
  expect(log).toEqual([
    'failing shutdown',
    'failing serverClose 10',
    'next shutdown',
    'next serverClose 10',
  ]);
  expect(next.listener.listening).toBe(false);
});
