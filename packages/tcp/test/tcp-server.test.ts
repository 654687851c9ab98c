/** TCPServer-specific behaviour: addressing, options, bind failures (and that they leak nothing). */
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { EchoLineHandler, exchange, expectRefused } from '@sockserve/conformance';
import { BindError } from '@sockserve/core';
import { afterEach, describe, expect, it } from 'vitest';
import { TCPServer } from '../src/index.js';

const open: Array<TCPServer | Server> = [];
afterEach(async () => {
  for (const server of open.splice(0)) {
    if (server instanceof TCPServer) await server.serverClose();
    else await new Promise((resolve) => server.close(resolve));
  }
});

async function serving(server: TCPServer): Promise<TCPServer> {
  open.push(server);
  await server.ready;
  server.serveForever().catch(() => {});
  return server;
}

async function occupiedPort(host = '127.0.0.1'): Promise<number> {
  const blocker = createServer();
  open.push(blocker);
  await new Promise<void>((resolve) => blocker.listen(0, host, resolve));
  return (blocker.address() as { port: number }).port;
}

describe('addressing', () => {
  it('resolves port 0 to the real port before serving; socket and fileno are exposed', async () => {
    const server = await serving(new TCPServer({ host: '127.0.0.1', port: 0 }, EchoLineHandler));
    expect(server.serverAddress).toEqual({
      family: 'IPv4',
      host: '127.0.0.1',
      port: expect.any(Number),
    });
    expect(server.serverAddress.port).toBeGreaterThan(0);
    expect(server.socket?.listening).toBe(true);
    expect(server.fileno()).toEqual(expect.any(Number));
  });

  it("takes Python's (host, port) tuple", async () => {
    const server = await serving(new TCPServer(['127.0.0.1', 0], EchoLineHandler));
    expect((await exchange(server.serverAddress, 'tuple\n')).toString()).toBe('tuple\n');
  });

  it('serves IPv4 and IPv6 clients on one dual-stack server (host "")', async () => {
    const server = await serving(new TCPServer({ host: '', port: 0 }, EchoLineHandler));
    const { port } = server.serverAddress;
    for (const host of ['127.0.0.1', '::1']) {
      const reply = await exchange({ family: 'IPv4', host, port }, `${host}\n`);
      expect(reply.toString()).toBe(`${host}\n`);
    }
  });

  it('ipv6Only refuses IPv4 clients on "::"', async () => {
    const server = await serving(
      new TCPServer({ host: '::', port: 0 }, EchoLineHandler, { ipv6Only: true }),
    );
    const { port } = server.serverAddress;
    expect((await exchange({ family: 'IPv6', host: '::1', port }, 'six\n')).toString()).toBe(
      'six\n',
    );
    await expectRefused({ family: 'IPv4', host: '127.0.0.1', port });
  });

  it('allowReusePort lets two servers share one port', async () => {
    const first = await serving(
      new TCPServer({ host: '127.0.0.1', port: 0 }, EchoLineHandler, { allowReusePort: true }),
    );
    const { port } = first.serverAddress;
    const second = await serving(
      new TCPServer({ host: '127.0.0.1', port }, EchoLineHandler, { allowReusePort: true }),
    );
    expect(second.serverAddress.port).toBe(port);
  });
});

/** Returns after the event loop has run its close-callbacks phase once. */
async function closePhase(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
}

describe('bind failures', () => {
  it('EADDRINUSE rejects ready with a BindError naming the address', async () => {
    const port = await occupiedPort();
    const server = new TCPServer({ host: '127.0.0.1', port }, EchoLineHandler);
    open.push(server);
    const error = await server.ready.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BindError);
    expect(error).toMatchObject({
      code: 'ERR_SOCKSERVE_BIND',
      syscallCode: 'EADDRINUSE',
      address: `127.0.0.1:${port}`,
      message: expect.stringContaining(`cannot bind 127.0.0.1:${port}`),
    });
    await expect(server.serveForever()).rejects.toBe(error);
  });

  it('EADDRNOTAVAIL for an address this host does not have', async () => {
    // 192.0.2.1 is TEST-NET-1: bind() fails locally; no packet is sent.
    const error = await TCPServer.create({ host: '192.0.2.1', port: 0 }, EchoLineHandler).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'ERR_SOCKSERVE_BIND', syscallCode: 'EADDRNOTAVAIL' });
  });

  it('1000 failed binds leak no descriptor and no handle (CPython test_tcpserver_bind_leak)', async () => {
    const port = await occupiedPort();
    const fds = () => readdirSync('/proc/self/fd').length;
    const handles = () => process.getActiveResourcesInfo().filter((r) => r !== 'Timeout').length;
    // Warm up once (lazy module state), then measure.
    await TCPServer.create({ host: '127.0.0.1', port }, EchoLineHandler).catch(() => {});
    await closePhase();
    const before = { fds: fds(), handles: handles() };
    for (let i = 0; i < 1000; i += 1) {
      const error = await TCPServer.create({ host: '127.0.0.1', port }, EchoLineHandler).catch(
        (e: unknown) => e,
      );
      expect((error as BindError).syscallCode).toBe('EADDRINUSE');
    }
    // The failed binds ran without leaving the microtask queue; closed handles are released in
    // the loop's close phase, which comes after the next check phase (setImmediate).
    await closePhase();
    expect({ fds: fds(), handles: handles() }).toEqual(before);
  });
});

describe('options', () => {
  it('requestQueueSize defaults to the OS maximum, not 5', () => {
    const server = new TCPServer({ host: '127.0.0.1', port: 0 }, EchoLineHandler, {
      bindAndActivate: false,
    });
    const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'));
    expect(server.requestQueueSize).toBe(somaxconn);
  });

  it('rejects a bad option with an error naming it', () => {
    const make = (options: object) => () =>
      new TCPServer({ host: '127.0.0.1', port: 0 }, EchoLineHandler, {
        bindAndActivate: false,
        ...options,
      });
    expect(make({ requestQueueSize: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_SOCKSERVE_INVALID_OPTION', option: 'requestQueueSize' }),
    );
    expect(make({ keepAlive: 'yes' })).toThrow(
      'option "keepAlive" must be a boolean, or an integer >= 0 (the initial delay in ms); received "yes"',
    );
    expect(make({ noDelays: true })).toThrow('unknown option "noDelays" for TCPServer');
    expect(make({ timeout: -1 })).toThrow(expect.objectContaining({ option: 'timeout' }));
    expect(() => new TCPServer({ host: '127.0.0.1', port: 70000 }, EchoLineHandler)).toThrow(
      'option "serverAddress.port" must be an integer from 0 to 65535; received 70000',
    );
  });

  it('allowReuseAddress: false is refused, not silently ignored, and nothing stays open', async () => {
    const error = await TCPServer.create({ host: '127.0.0.1', port: 0 }, EchoLineHandler, {
      allowReuseAddress: false,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'ERR_SOCKSERVE_UNSUPPORTED',
      message: expect.stringContaining('SO_REUSEADDR'),
    });
  });

  it('Python-style class attributes in a subclass take effect (requestQueueSize)', async () => {
    class SmallQueueServer extends TCPServer {
      override requestQueueSize = 1;
    }
    const server = new SmallQueueServer({ host: '127.0.0.1', port: 0 }, EchoLineHandler);
    open.push(server);
    await server.ready;
    expect(server.requestQueueSize).toBe(1);
  });

  it('bindAndActivate: false then serverBind() / serverActivate() by hand', async () => {
    const server = new TCPServer({ host: '127.0.0.1', port: 0 }, EchoLineHandler, {
      bindAndActivate: false,
    });
    open.push(server);
    expect(() => server.serverAddress).toThrow(
      expect.objectContaining({ code: 'ERR_SOCKSERVE_SERVER_STATE' }),
    );
    await server.serverBind();
    expect(server.serverAddress.port).toBeGreaterThan(0);
    await server.serverActivate();
    const reply = exchange(server.serverAddress, 'manual\n');
    await server.handleRequest();
    expect((await reply).toString()).toBe('manual\n');
  });
});
