import { createServer, type Server, type Socket } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import {
  AsyncStrategy,
  BaseRequestHandler,
  BindError,
  HandlerLoadError,
  InvalidOptionError,
  ServerExit,
  ServerStateError,
  type SocketAddress,
} from '../src/index.js';
import { ModuleHandler } from './fixtures/handler-module.js';
import { LineServer } from './fixtures/line-server.js';
import { connectOutcome, readAll, settlesWithin, useResources } from './fixtures/net.js';

const resources = useResources();
const handlerModule = new URL('./fixtures/handler-module.ts', import.meta.url);

/** Replies `ok` and counts the requests it served. */
class OkHandler extends BaseRequestHandler<Socket> {
  static served = 0;

  override handle(): Promise<void> {
    OkHandler.served += 1;
    return new Promise((resolve) => this.request.end('ok\n', resolve));
  }
}

async function stateError(promise: Promise<unknown>): Promise<ServerStateError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ServerStateError);
  expect((error as ServerStateError).code).toBe('ERR_SOCKSERVE_SERVER_STATE');
  return error as ServerStateError;
}

function syncError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

/** A plain net.Server holding a loopback port, closed after the test. */
async function occupiedPort(): Promise<number> {
  const blocker: Server = createServer();
  await new Promise<void>((resolve) => blocker.listen({ host: '127.0.0.1', port: 0 }, resolve));
  resources.defer(() => new Promise((resolve) => blocker.close(resolve)));
  const address = blocker.address();
  if (address === null || typeof address === 'string') throw new Error('not a TCP listener');
  return address.port;
}

describe('BaseServer options', () => {
  it('rejects bad timeout and bindAndActivate values synchronously', () => {
    const timeout = syncError(() => new LineServer(OkHandler, { timeout: -1 }));
    expect(timeout).toBeInstanceOf(InvalidOptionError);
    expect((timeout as InvalidOptionError).option).toBe('timeout');
    const bind = syncError(
      () => new LineServer(OkHandler, { bindAndActivate: 'no' as unknown as boolean }),
    );
    expect(bind).toBeInstanceOf(InvalidOptionError);
    expect((bind as InvalidOptionError).option).toBe('bindAndActivate');
  });

  it('defaults: SequentialStrategy, no timeout', () => {
    const server = new LineServer(OkHandler, { bindAndActivate: false });
    expect(server.strategy.name).toBe('sequential');
    expect(server.timeout).toBeNull();
    expect(server.handler).toBe(OkHandler);
  });

  it.each([
    ['a string', 'OkHandler'],
    ['null', null],
    ['an object without module', { export: 'OkHandler' }],
    ['a numeric module', { module: 1 }],
  ])('rejects a handler that is %s with a HandlerLoadError before binding', (_label, value) => {
    const error = syncError(() => new LineServer(value as never));
    expect(error).toBeInstanceOf(HandlerLoadError);
    expect((error as HandlerLoadError).code).toBe('ERR_SOCKSERVE_HANDLER_LOAD');
    expect((error as Error).message).toContain('{ module, export }');
  });

  it('serveForever() rejects a bad pollInterval', async () => {
    const server = resources.server(await LineServer.create(OkHandler));
    const error = await server.serveForever({ pollInterval: -5 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as InvalidOptionError).option).toBe('pollInterval');
    // No loop was left behind.
    const loop = server.serveForever();
    await server.shutdown();
    await loop;
  });
});

describe('BaseServer lifecycle', () => {
  it('bindAndActivate: false — serverBind() and serverActivate() by hand', async () => {
    const server = resources.server(new LineServer(OkHandler, { bindAndActivate: false }));
    const before = syncError(() => server.serverAddress);
    expect(before).toBeInstanceOf(ServerStateError);
    expect((before as ServerStateError).code).toBe('ERR_SOCKSERVE_SERVER_STATE');
    expect(() => server.transportKind).toThrow(ServerStateError);
    expect(server.fileno()).toBeUndefined();
    expect(server.stats).toMatchObject({ accepted: 0, refused: 0 });
    await stateError(server.serverActivate());
    await stateError(server.serveForever());
    await stateError(server.handleRequest());

    await server.serverBind();
    const address = server.serverAddress;
    expect(address).toMatchObject({ family: 'IPv4', host: '127.0.0.1' });
    expect(address.family !== 'unix' && address.port > 0).toBe(true);
    expect(server.transportKind).toBe('stream');
    expect(typeof server.fileno()).toBe('number');
    await stateError(server.serverBind());

    // serveForever() started between bind and activate waits for activation.
    const loop = server.serveForever();
    await server.serverActivate();
    await expect(server.ready).resolves.toBe(server);
    expect((await resources.exchange(address)).data).toBe('ok\n');
    expect(server.stats).toMatchObject({ accepted: 1, refused: 0 });
    await stateError(server.serverActivate());
    await server.shutdown();
    await loop;
  });

  it('serveForever() twice is a ServerStateError; the first loop keeps serving', async () => {
    const server = resources.server(await LineServer.create(OkHandler));
    const loop = server.serveForever();
    const second = await stateError(server.serveForever());
    expect(second.message).toContain('already running');
    expect((await resources.exchange(server.serverAddress)).data).toBe('ok\n');
    await server.shutdown();
    await expect(loop).resolves.toBeUndefined();
  });

  it('serveForever() after serverClose() is a ServerStateError', async () => {
    const server = resources.server(await LineServer.create(OkHandler));
    await server.serverClose();
    const error = await stateError(server.serveForever());
    expect(error.message).toContain('after serverClose()');
    await stateError(server.handleRequest());
  });

  it('handleRequest() while serveForever() runs is a ServerStateError', async () => {
    const server = resources.server(await LineServer.create(OkHandler));
    const loop = server.serveForever();
    const error = await stateError(server.handleRequest());
    expect(error.message).toContain('while serveForever() runs');
    await server.shutdown();
    await loop;
  });

  it('serverClose() is idempotent: concurrent and later calls share one promise', async () => {
    const server = resources.server(await LineServer.create(OkHandler));
    const address = server.serverAddress;
    const first = server.serverClose();
    const second = server.serverClose();
    expect(second).toBe(first);
    await Promise.all([first, second]);
    expect(server.serverClose()).toBe(first);
    await server[Symbol.asyncDispose]();
    expect(await connectOutcome(address)).toBe('ECONNREFUSED');
    // The address stays readable after close.
    expect(server.serverAddress).toEqual(address);
  });

  it('serverClose() while serveForever() runs makes the loop resolve', async () => {
    const server = resources.server(await LineServer.create(OkHandler));
    const loop = server.serveForever({ pollInterval: 10 });
    expect((await resources.exchange(server.serverAddress)).data).toBe('ok\n');
    await server.serverClose();
    await expect(loop).resolves.toBeUndefined();
    expect(await connectOutcome(server.serverAddress)).toBe('ECONNREFUSED');
  });

  it('serverClose() right after the constructor: ready rejects and nothing is bound', async () => {
    const server = new LineServer(OkHandler);
    const closing = server.serverClose();
    const error = await stateError(server.ready);
    expect(error.message).toContain('closed before it was bound');
    await closing;
    expect(server.fileno()).toBeUndefined();
    expect(server.listener).toBeUndefined();
    expect(() => server.serverAddress).toThrow(ServerStateError);
  });

  it('ready rejects with the BindError when the port is taken, leaving nothing open', async () => {
    const port = await occupiedPort();
    const server = resources.server(new LineServer(OkHandler, { port }));
    const error = await server.ready.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BindError);
    const bindError = error as BindError;
    expect(bindError.code).toBe('ERR_SOCKSERVE_BIND');
    expect(bindError.syscallCode).toBe('EADDRINUSE');
    expect(bindError.address).toBe(`127.0.0.1:${port}`);
    expect(bindError.cause).toBeInstanceOf(Error);
    expect((bindError.cause as NodeJS.ErrnoException).code).toBe('EADDRINUSE');
    expect(bindError.message).toContain(`cannot bind 127.0.0.1:${port}`);

    expect(server.listener).toBeUndefined();
    expect(server.fileno()).toBeUndefined();
    // serveForever() and handleRequest() report the start-up error itself.
    await expect(server.handleRequest()).rejects.toBe(bindError);
    await expect(server.serveForever()).rejects.toBe(bindError);
    await server.serverClose();
  });

  it('create() rejects with the BindError when the port is taken', async () => {
    const port = await occupiedPort();
    await expect(LineServer.create(OkHandler, { port })).rejects.toMatchObject({
      name: 'BindError',
      code: 'ERR_SOCKSERVE_BIND',
      syscallCode: 'EADDRINUSE',
    });
  });

  it('serverAddress after a failed bind is a ServerStateError', async () => {
    const port = await occupiedPort();
    const server = resources.server(new LineServer(OkHandler, { port }));
    await server.ready.catch(() => {});
    const error = syncError(() => server.serverAddress);
    expect(error).toBeInstanceOf(ServerStateError);
  });

  it('serverClose() during a manual serverBind() resolves once the bind is done', async () => {
    const server = new LineServer(OkHandler, { bindAndActivate: false });
    const binding = server.serverBind();
    const closing = server.serverClose();
    await binding;
    const outcome = await settlesWithin(closing, 10_000);
    // Clean up: serverActivate() sees the pending close, fails, and lets the close finish.
    await server.serverActivate().catch(() => {});
    await closing;
    expect(outcome).toBe('settled');
  });
});

describe('BaseServer request path', () => {
  it('serviceActions() runs after each request', async () => {
    let calls = 0;
    class Counting extends LineServer {
      override serviceActions() {
        calls += 1;
      }
    }
    const server = resources.server(await Counting.create(OkHandler));
    void server.serveForever({ pollInterval: 60_000 });
    for (let i = 1; i <= 3; i += 1) {
      expect((await resources.exchange(server.serverAddress)).data).toBe('ok\n');
      await vi.waitFor(() => expect(calls).toBe(i), { timeout: 10_000 });
    }
  });

  it('serviceActions() runs every pollInterval while idle', async () => {
    let calls = 0;
    class Counting extends LineServer {
      override async serviceActions() {
        calls += 1;
      }
    }
    const server = resources.server(await Counting.create(OkHandler));
    const loop = server.serveForever({ pollInterval: 10 });
    await vi.waitFor(() => expect(calls).toBeGreaterThanOrEqual(3), { timeout: 10_000 });
    await server.shutdown();
    await loop;
    const after = calls;
    // The idle timer is gone with the loop: a fresh loop with a long interval adds none.
    const again = server.serveForever({ pollInterval: 60_000 });
    await server.shutdown();
    await again;
    expect(calls).toBe(after);
  });

  it('an error thrown by serviceActions() while idle stops serveForever() with it', async () => {
    const boom = new Error('service failed');
    class Failing extends LineServer {
      override serviceActions() {
        throw boom;
      }
    }
    const server = resources.server(await Failing.create(OkHandler));
    await expect(server.serveForever({ pollInterval: 10 })).rejects.toBe(boom);
  });

  it('serviceActions() does not run on the poll timer while the loop runs a request', async () => {
    let inRequest = false;
    let callsDuringRequest = 0;
    const calledDuringRequest = Promise.withResolvers<void>();
    class Watching extends LineServer {
      override serviceActions() {
        if (!inRequest) return;
        callsDuringRequest += 1;
        calledDuringRequest.resolve();
      }
    }
    class SlowHandler extends BaseRequestHandler<Socket> {
      override async handle() {
        inRequest = true;
        // Hold the request for 20 poll intervals, or until the bug shows.
        await settlesWithin(calledDuringRequest.promise, 200);
        inRequest = false;
        await new Promise<void>((resolve) => this.request.end('ok\n', resolve));
      }
    }
    const server = resources.server(await Watching.create(SlowHandler));
    void server.serveForever({ pollInterval: 10 });
    expect((await resources.exchange(server.serverAddress)).data).toBe('ok\n');
    // Python calls service_actions() only from the serve loop, between requests.
    expect(callsDuringRequest).toBe(0);
  });

  it('verifyRequest() that throws: handleError() gets that error and the request is shut down', async () => {
    const refusal = new Error('verify failed');
    const seen: Array<{ request: unknown; address: SocketAddress; error: unknown }> = [];
    let verified = 0;
    class Verifying extends LineServer {
      override verifyRequest(): boolean {
        verified += 1;
        if (verified === 1) throw refusal;
        return true;
      }
      override handleError(request: Socket, address: SocketAddress, error: unknown) {
        seen.push({ request, address, error });
      }
    }
    OkHandler.served = 0;
    const server = resources.server(await Verifying.create(OkHandler));
    const shutdownRequest = vi.spyOn(server, 'shutdownRequest');
    void server.serveForever();

    const client = await resources.client(server.serverAddress);
    const clientPort = client.localPort;
    const refused = readAll(client);
    client.end();
    const result = await refused;
    expect(result.data).toBe('');
    expect(result.error).toBeUndefined();
    expect(seen).toHaveLength(1);
    expect(seen[0]?.error).toBe(refusal);
    expect(seen[0]?.address).toEqual({ family: 'IPv4', host: '127.0.0.1', port: clientPort });
    expect(shutdownRequest).toHaveBeenCalledWith(seen[0]?.request);
    expect(OkHandler.served).toBe(0);

    // The server goes on.
    expect((await resources.exchange(server.serverAddress)).data).toBe('ok\n');
    expect(OkHandler.served).toBe(1);
  });

  it('verifyRequest() resolving false refuses the request; the handler never runs', async () => {
    const verified: SocketAddress[] = [];
    class Refusing extends LineServer {
      override async verifyRequest(_request: Socket, address: SocketAddress) {
        verified.push(address);
        return false;
      }
    }
    OkHandler.served = 0;
    const server = resources.server(await Refusing.create(OkHandler));
    const handleError = vi.spyOn(server, 'handleError');
    void server.serveForever();
    expect(await resources.exchange(server.serverAddress)).toEqual({ data: '', error: undefined });
    expect(verified).toHaveLength(1);
    expect(OkHandler.served).toBe(0);
    expect(handleError).not.toHaveBeenCalled();
  });

  it('a ServerExit from verifyRequest() skips handleError() and rejects serveForever()', async () => {
    const exit = new ServerExit('stop now');
    class Exiting extends LineServer {
      override verifyRequest(): boolean {
        throw exit;
      }
    }
    const server = resources.server(await Exiting.create(OkHandler));
    const handleError = vi.spyOn(server, 'handleError');
    const loop = server.serveForever();
    const reply = resources.exchange(server.serverAddress);
    await expect(loop).rejects.toBe(exit);
    expect((await reply).data).toBe('');
    expect(handleError).not.toHaveBeenCalled();
  });

  it('processRequest() can be overridden around the strategy', async () => {
    const calls: SocketAddress[] = [];
    class Wrapping extends LineServer {
      override async processRequest(request: Socket, address: SocketAddress) {
        calls.push(address);
        request.write('before ');
        await super.processRequest(request, address);
      }
    }
    const server = resources.server(await Wrapping.create(OkHandler));
    void server.serveForever();
    const client = await resources.client(server.serverAddress);
    const clientPort = client.localPort;
    const reply = readAll(client);
    client.end();
    expect((await reply).data).toBe('before ok\n');
    expect(calls).toEqual([{ family: 'IPv4', host: '127.0.0.1', port: clientPort }]);
  });

  it('processRequest() can replace the handler entirely', async () => {
    class Replacing extends LineServer {
      override async processRequest(request: Socket) {
        request.write('replaced\n');
        await this.shutdownRequest(request);
      }
    }
    OkHandler.served = 0;
    const server = resources.server(await Replacing.create(OkHandler));
    void server.serveForever();
    expect((await resources.exchange(server.serverAddress)).data).toBe('replaced\n');
    expect(OkHandler.served).toBe(0);
  });

  it('handleError() receives the exact error object thrown by the handler', async () => {
    const boom = new TypeError('handler failed');
    const errors: unknown[] = [];
    class Throwing extends BaseRequestHandler<Socket> {
      override handle() {
        throw boom;
      }
    }
    class Recording extends LineServer {
      override handleError(_request: Socket, _address: SocketAddress, error: unknown) {
        errors.push(error);
      }
    }
    const server = resources.server(await Recording.create(Throwing));
    void server.serveForever();
    expect((await resources.exchange(server.serverAddress)).data).toBe('');
    await vi.waitFor(() => expect(errors).toHaveLength(1), { timeout: 10_000 });
    expect(errors[0]).toBe(boom);
  });

  it('handleError() receives a thrown non-Error value as is (async strategy)', async () => {
    const thrown = { reason: 'not an Error' };
    const errors: unknown[] = [];
    class Throwing extends BaseRequestHandler<Socket> {
      override async handle() {
        throw thrown;
      }
    }
    class Recording extends LineServer {
      override handleError(_request: Socket, _address: SocketAddress, error: unknown) {
        errors.push(error);
      }
    }
    const server = resources.server(
      await Recording.create(Throwing, { strategy: new AsyncStrategy() }),
    );
    void server.serveForever();
    expect((await resources.exchange(server.serverAddress)).data).toBe('');
    await vi.waitFor(() => expect(errors).toHaveLength(1), { timeout: 10_000 });
    expect(errors[0]).toBe(thrown);
  });
});

describe('BaseServer handler sources', () => {
  it('accepts { module, export } naming an exported handler class', async () => {
    const server = resources.server(
      await LineServer.create({ module: handlerModule, export: 'ModuleHandler' }),
    );
    void server.serveForever();
    expect((await resources.exchange(server.serverAddress)).data).toBe('module\n');
  });

  it('accepts { module } as a URL string for the default export', async () => {
    const server = resources.server(await LineServer.create({ module: handlerModule.href }));
    void server.serveForever();
    expect((await resources.exchange(server.serverAddress)).data).toBe('default\n');
  });

  it('accepts a class with static module', async () => {
    expect(ModuleHandler.module).toBe(handlerModule.href);
    const server = resources.server(await LineServer.create(ModuleHandler));
    expect(server.handler).toBe(ModuleHandler);
    void server.serveForever();
    expect((await resources.exchange(server.serverAddress)).data).toBe('module\n');
  });

  it('a reference to a missing export fails ready at start-up and leaves nothing listening', async () => {
    const server = resources.server(
      new LineServer({ module: handlerModule, export: 'NoSuchHandler' }),
    );
    const error = await server.ready.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HandlerLoadError);
    expect((error as HandlerLoadError).code).toBe('ERR_SOCKSERVE_HANDLER_LOAD');
    expect((error as Error).message).toContain('"NoSuchHandler"');
    // It had been bound; the failed activation closed it again.
    expect(server.listener?.listening).toBe(false);
    expect(await connectOutcome(server.serverAddress)).toBe('ECONNREFUSED');
    await expect(server.handleRequest()).rejects.toBe(error);
    await expect(server.serveForever()).rejects.toBe(error);
  });

  it('create() rejects with the HandlerLoadError for a missing export', async () => {
    await expect(
      LineServer.create({ module: handlerModule, export: 'NoSuchHandler' }),
    ).rejects.toMatchObject({ name: 'HandlerLoadError', code: 'ERR_SOCKSERVE_HANDLER_LOAD' });
  });

  it('serverActivate() by hand rejects with the HandlerLoadError and closes the listener', async () => {
    const server = resources.server(
      new LineServer({ module: handlerModule, export: 'notAHandler' }, { bindAndActivate: false }),
    );
    await server.serverBind();
    const address = server.serverAddress;
    expect(await connectOutcome(address)).toBeUndefined();
    await expect(server.serverActivate()).rejects.toBeInstanceOf(HandlerLoadError);
    expect(await connectOutcome(address)).toBe('ECONNREFUSED');
    await expect(server.ready).rejects.toBeInstanceOf(HandlerLoadError);
  });
});
