/**
 * The stream-server conformance suite: the intent of CPython's `test_socketserver.py`, plus
 * the Python flaws sockserve must not have. Every stream transport runs it under every
 * strategy: `describeStreamServer(harness, strategies)`.
 */
import { connect } from 'node:net';
import type { SocketAddress } from '@sockserve/core';
import { describe, expect, it, vi } from 'vitest';
import { connectTo, LineClient, exchange as plainExchange } from './client.js';
import { collectRequestEnds, expectAccountedClose, refuseNth } from './close-accounting.js';
import { collectHandledErrors } from './handled-errors.js';
import {
  AddressHandler,
  BigReplyHandler,
  EchoLineHandler,
  ExitHandler,
  FailingHandler,
  HandleThrowsHandler,
  HangOnRequestHandler,
  PingAckHandler,
  patternBytes,
  SetupThrowsHandler,
  ShutdownInsideHandler,
  UpperLinesHandler,
} from './handlers.js';
import {
  type AnyServer,
  type ServerHarness,
  type StrategyCase,
  serverTracker,
  TWENTY_SERVERS_TIMEOUT_MS,
} from './harness.js';

const TEST_LINE = 'hello world\n';

/** Runs the suite for one transport under each strategy. */
export function describeStreamServer(
  harness: ServerHarness,
  strategies: readonly StrategyCase[],
): void {
  for (const strategy of strategies) {
    describe(`${harness.name} / ${strategy.name}`, () => streamCases(harness, strategy));
  }
}

function streamCases(harness: ServerHarness, strategy: StrategyCase): void {
  const servers = serverTracker(harness, strategy);
  // Every client connects the transport's way (TLS, say); a plain socket by default.
  const connect = harness.connect ?? connectTo;
  const exchange = (address: SocketAddress, data: string | Uint8Array) =>
    plainExchange(address, data, connect);
  const lineClient = (address: SocketAddress) => LineClient.connect(address, connect);

  it('echoes for three clients in turn (CPython test_*Server)', async () => {
    const { server } = await servers.serve(EchoLineHandler);
    for (let i = 0; i < 3; i += 1) {
      expect((await exchange(server.serverAddress, TEST_LINE)).toString()).toBe(TEST_LINE);
    }
  });

  it('keeps a persistent connection for many lines', async () => {
    const { server } = await servers.serve(UpperLinesHandler);
    const client = await lineClient(server.serverAddress);
    for (let i = 0; i < 100; i += 1) {
      client.write(`line ${i}\n`);
      expect(await client.line()).toBe(`LINE ${i}\n`);
    }
    client.socket.end();
    expect(await client.rest()).toBe('');
  });

  it('closes with no request, and serveForever() returns on shutdown()', async () => {
    const { server, loop } = await servers.serve(EchoLineHandler);
    await server.shutdown();
    await expect(loop).resolves.toBeUndefined();
    await server.serverClose();
    await expectRefused(server.serverAddress);
  });

  it('`await using` closes the listening socket', async () => {
    let address: SocketAddress;
    {
      await using server = await servers.create(EchoLineHandler);
      address = server.serverAddress;
    }
    await expectRefused(address);
  });

  it('verifyRequest() false: the handler never runs and shutdownRequest runs once', async () => {
    const server = await servers.create(FailingHandler);
    const shutdownRequest = vi.spyOn(server, 'shutdownRequest');
    const handleError = vi.spyOn(server, 'handleError');
    server.verifyRequest = () => false;
    const reply = exchange(server.serverAddress, TEST_LINE);
    await server.handleRequest();
    expect((await reply).toString()).toBe('');
    expect(shutdownRequest).toHaveBeenCalledTimes(1);
    expect(handleError).not.toHaveBeenCalled();
  });

  it('an error in handle() goes to handleError() with the client address; serving goes on', async () => {
    const { server } = await servers.serve(FailingHandler);
    const handled = collectHandledErrors(server);
    for (const word of ['one', 'two']) {
      expect((await exchange(server.serverAddress, `${word}\n`)).toString()).toBe('');
    }
    await handled.reached(2);
    const errors = handled.calls;
    expect(errors).toHaveLength(2);
    expect(errors[0]?.error).toHaveProperty('message', 'boom: one');
    expect(errors[1]?.error).toHaveProperty('message', 'boom: two');
    expect(errors[0]?.address.family).toBe(server.serverAddress.family);
  });

  it('the default handleError() prints the address and the stack to stderr', async () => {
    const { server } = await servers.serve(FailingHandler);
    const writes: string[] = [];
    const printed = Promise.withResolvers<void>();
    const write = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      writes.push(String(chunk));
      if (writes.join('').includes('boom: printed')) printed.resolve();
      return true;
    });
    try {
      await exchange(server.serverAddress, 'printed\n');
      await printed.promise;
    } finally {
      write.mockRestore();
    }
    const text = writes.join('');
    expect(text).toContain('Exception occurred during processing of request from');
    expect(text).toMatch(/^-{40}\n/);
  });

  it('ServerExit from a handler skips handleError() and rejects serveForever()', async () => {
    const { server, loop } = await servers.serve(ExitHandler);
    const handleError = vi.spyOn(server, 'handleError');
    await exchange(server.serverAddress, TEST_LINE);
    await expect(loop).rejects.toMatchObject({ code: 'ERR_SOCKSERVE_SERVER_EXIT' });
    expect(handleError).not.toHaveBeenCalled();
  });

  it('an error rethrown by handleError() stops serveForever() with it', async () => {
    const { server, loop } = await servers.serve(FailingHandler);
    server.handleError = (_r: unknown, _a: SocketAddress, error: unknown) => {
      throw error;
    };
    await exchange(server.serverAddress, 'fatal\n');
    await expect(loop).rejects.toThrow('boom: fatal');
  });

  it('finish() runs when handle() throws, not when setup() throws', async () => {
    const { server } = await servers.serve(HandleThrowsHandler);
    server.handleError = () => {};
    expect((await exchange(server.serverAddress, '')).toString()).toBe('handle\nfinish\n');
    const other = await servers.serve(SetupThrowsHandler);
    other.server.handleError = () => {};
    expect((await exchange(other.server.serverAddress, '')).toString()).toBe('setup\n');
  });

  it('wfile writes reach the client without a flush', async () => {
    const { server } = await servers.serve(PingAckHandler);
    const client = await lineClient(server.serverAddress);
    expect(await client.line()).toBe('ping\n');
    client.write('ack\n');
    expect(await client.line()).toBe('done\n');
    client.close();
  });

  it('a 16 MiB write arrives whole and in order', async () => {
    const { server } = await servers.serve(BigReplyHandler);
    const size = 16 * 1024 * 1024;
    const reply = await exchange(server.serverAddress, `${size}\n`);
    expect(reply.length).toBe(size);
    expect(reply.equals(patternBytes(size))).toBe(true);
  });

  it('handleRequest() serves one request; with no client it calls handleTimeout() once', async () => {
    const server = await servers.create(EchoLineHandler, { timeout: 50 });
    const handleTimeout = vi.spyOn(server, 'handleTimeout');
    await server.handleRequest();
    expect(handleTimeout).toHaveBeenCalledTimes(1);
    // No deadline for the request that comes: how long a client takes to arrive (a TLS
    // server queues it after its handshake) is the machine's load, not what is tested.
    server.timeout = null;
    const reply = exchange(server.serverAddress, TEST_LINE);
    await server.handleRequest();
    expect((await reply).toString()).toBe(TEST_LINE);
    expect(handleTimeout).toHaveBeenCalledTimes(1);
  });

  it('shutdown() before serveForever() resolves, and twice is fine (Python deadlocks)', async () => {
    const server = await servers.create(EchoLineHandler);
    await server.shutdown();
    const loop = server.serveForever();
    await Promise.all([server.shutdown(), server.shutdown()]);
    await expect(loop).resolves.toBeUndefined();
  });

  it('shutdown() from inside a handler stops the loop without deadlock', async () => {
    const { server, loop } = await servers.serve(ShutdownInsideHandler);
    expect((await exchange(server.serverAddress, TEST_LINE)).toString()).toBe('stopped\n');
    await expect(loop).resolves.toBeUndefined();
  });

  it('an over-long line is a LineTooLongError; that connection closes, others are served', async () => {
    const { server } = await servers.serve(UpperLinesHandler);
    const handled = collectHandledErrors(server);
    const bad = await lineClient(server.serverAddress);
    bad.socket.on('error', () => {});
    bad.write(`${'x'.repeat(70_000)}\n`);
    expect(await bad.rest().catch(() => '')).toBe('');
    await handled.reached(1);
    expect(handled.calls[0]?.error).toMatchObject({
      code: 'ERR_SOCKSERVE_LINE_TOO_LONG',
      limit: 65536,
    });
    const good = await lineClient(server.serverAddress);
    good.write(`${'y'.repeat(65_535)}\n`);
    expect(await good.line()).toBe(`${'Y'.repeat(65_535)}\n`);
    good.close();
  });

  it(
    'starts and stops 20 servers at once (CPython test_shutdown)',
    async () => {
      const started = await Promise.all(
        Array.from({ length: 20 }, () => servers.serve(EchoLineHandler)),
      );
      await Promise.all(started.map(({ server }) => exchange(server.serverAddress, TEST_LINE)));
      await Promise.all(started.map(({ server }) => server.shutdown()));
      await Promise.all(started.map(({ loop }) => loop));
    },
    TWENTY_SERVERS_TIMEOUT_MS,
  );

  it('a close accounts for every request (accepted = finished + cut + refused + dropped + detached)', async () => {
    const { server } = await servers.serve(HangOnRequestHandler);
    const trace = collectRequestEnds(server);
    try {
      refuseNth(server, 1);
      expect((await exchange(server.serverAddress, 'one\n')).toString()).toBe('one\n');
      expect((await exchange(server.serverAddress, 'two\n')).toString()).toBe('');
      expect((await exchange(server.serverAddress, 'three\n')).toString()).toBe('three\n');
      const hung = await lineClient(server.serverAddress);
      hung.write('hang\n');
      expect(await hung.line()).toBe('hanging\n');
      const report = await server.serverClose({ timeout: 50 });
      expect(await hung.rest().catch(() => '')).toBe('');
      expectAccountedClose(report, trace.ends);
    } finally {
      trace.stop();
    }
  });

  it('a plain BaseRequestHandler gets the request stream and the client address', async () => {
    const { server } = await servers.serve(AddressHandler);
    const reply = (await exchange(server.serverAddress, '')).toString();
    expect(reply).toMatch(server.serverAddress.family === 'unix' ? /^unix$/ : /^IPv[46] \S+ \d+$/);
  });
}

/** Asserts nothing listens at `address` any more. */
export async function expectRefused(address: SocketAddress): Promise<void> {
  const target =
    address.family === 'unix' ? { path: address.path } : { host: address.host, port: address.port };
  const error = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    const socket = connect(target);
    socket.once('connect', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once('error', resolve);
  });
  expect(error?.code).toMatch(/ECONNREFUSED|ENOENT/);
}

export type { AnyServer };
