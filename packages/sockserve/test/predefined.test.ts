/**
 * Python's predefined classes, each serving a real echo on loopback (port 0) or in a temp
 * dir: the stream ones with the conformance suite's `EchoLineHandler`, the datagram ones with
 * `DatagramEchoHandler`.
 */
import { join } from 'node:path';
import {
  type DatagramClient,
  DatagramEchoHandler,
  EchoLineHandler,
  exchange,
  udpClient,
} from '@sockserve/conformance';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type BaseServer,
  type InetAddress,
  TCPServer,
  ThreadingStrategy,
  ThreadingTCPServer,
  ThreadingUDPServer,
  ThreadingUnixDatagramServer,
  ThreadingUnixStreamServer,
  UDPServer,
  UnixDatagramServer,
  UnixStreamServer,
} from '../src/index.js';
import { removeTempDirs, Teardown, tempDir, unixDgramClient } from './helpers.js';

const teardown = new Teardown();
afterEach(async () => {
  await teardown.run();
  removeTempDirs();
});

// One worker is enough to prove the handler runs in a thread, and keeps the tests light.
const threads = { maxWorkers: 1 };

// biome-ignore lint/suspicious/noExplicitAny: any server kind.
function serving<S extends BaseServer<any>>(server: S): S {
  const loop = server.serveForever();
  teardown.add(async () => {
    await server.shutdown();
    await loop;
    await server.serverClose();
  });
  return server;
}

const streamServers = [
  [
    'TCPServer',
    () => TCPServer.create({ host: '127.0.0.1', port: 0 }, EchoLineHandler),
    'sequential',
  ],
  [
    'TCPServer on ::1',
    () => TCPServer.create({ host: '::1', port: 0 }, EchoLineHandler),
    'sequential',
  ],
  [
    'ThreadingTCPServer',
    () => ThreadingTCPServer.create({ host: '127.0.0.1', port: 0 }, EchoLineHandler, threads),
    'threading',
  ],
  [
    'UnixStreamServer',
    () => UnixStreamServer.create(join(tempDir(), 's.sock'), EchoLineHandler),
    'sequential',
  ],
  [
    'ThreadingUnixStreamServer',
    () => ThreadingUnixStreamServer.create(join(tempDir(), 's.sock'), EchoLineHandler, threads),
    'threading',
  ],
] as const;

describe.each(streamServers)('%s', (_name, create, strategy) => {
  it('echoes a line', async () => {
    const server = serving(await create());
    expect(server.strategy.name).toBe(strategy);
    expect((await exchange(server.serverAddress, 'hello sockserve\n')).toString()).toBe(
      'hello sockserve\n',
    );
  });
});

const datagramServers = [
  [
    'UDPServer',
    () => UDPServer.create({ host: '127.0.0.1', port: 0 }, DatagramEchoHandler),
    'sequential',
  ],
  [
    'ThreadingUDPServer',
    () => ThreadingUDPServer.create({ host: '127.0.0.1', port: 0 }, DatagramEchoHandler, threads),
    'threading',
  ],
  [
    'UnixDatagramServer',
    () => UnixDatagramServer.create(join(tempDir(), 'd.sock'), DatagramEchoHandler),
    'sequential',
  ],
  [
    'ThreadingUnixDatagramServer',
    () =>
      ThreadingUnixDatagramServer.create(join(tempDir(), 'd.sock'), DatagramEchoHandler, threads),
    'threading',
  ],
] as const;

describe.each(datagramServers)('%s', (_name, create, strategy) => {
  it('echoes a datagram', async () => {
    const server = serving(await create());
    expect(server.strategy.name).toBe(strategy);
    const address = server.serverAddress;
    const client: DatagramClient =
      address.family === 'unix'
        ? unixDgramClient(address.path)
        : await udpClient(address as InetAddress);
    teardown.add(() => client.close());
    await client.send('hello datagram\n');
    expect((await client.receive()).toString()).toBe('hello datagram\n');
  });
});

describe('the threading classes', () => {
  it('are their transport with ThreadingMixIn: Python attributes, options in the bag', async () => {
    const server = serving(
      await ThreadingTCPServer.create({ host: '127.0.0.1', port: 0 }, EchoLineHandler, {
        maxWorkers: 2,
        daemonThreads: true,
      }),
    );
    expect(server).toBeInstanceOf(TCPServer);
    expect(server.strategy).toBeInstanceOf(ThreadingStrategy);
    expect((server.strategy as ThreadingStrategy).maxWorkers).toBe(2);
    expect(server.daemonThreads).toBe(true);
    expect(server.blockOnClose).toBe(true);
  });

  it('can be subclassed the Python way, with class-level attributes', async () => {
    class DaemonServer extends ThreadingUDPServer {
      override daemonThreads = true;
    }
    const server = serving(
      await DaemonServer.create({ host: '127.0.0.1', port: 0 }, DatagramEchoHandler, threads),
    );
    expect(server).toBeInstanceOf(UDPServer);
    expect(server.daemonThreads).toBe(true);
  });
});
