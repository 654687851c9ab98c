/**
 * Python's four forking servers, each serving a real echo from a child process: the stream
 * ones with `EchoLineHandler`, the datagram ones with `DatagramEchoHandler`.
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
  ForkingStrategy,
  ForkingTCPServer,
  ForkingUDPServer,
  ForkingUnixDatagramServer,
  ForkingUnixStreamServer,
  type InetAddress,
  TCPServer,
} from '../src/index.js';
import { removeTempDirs, Teardown, tempDir, unixDgramClient } from './helpers.js';

const teardown = new Teardown();
afterEach(async () => {
  await teardown.run();
  removeTempDirs();
});

// One child is enough to prove the handler runs in another process.
const children = { maxChildren: 1 };

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

const servers = [
  [
    'ForkingTCPServer',
    () => ForkingTCPServer.create({ host: '127.0.0.1', port: 0 }, EchoLineHandler, children),
  ],
  [
    'ForkingUnixStreamServer',
    () => ForkingUnixStreamServer.create(join(tempDir(), 's.sock'), EchoLineHandler, children),
  ],
  [
    'ForkingUDPServer',
    () => ForkingUDPServer.create({ host: '127.0.0.1', port: 0 }, DatagramEchoHandler, children),
  ],
  [
    'ForkingUnixDatagramServer',
    () =>
      ForkingUnixDatagramServer.create(join(tempDir(), 'd.sock'), DatagramEchoHandler, children),
  ],
] as const;

describe.each(servers)('%s', (name, create) => {
  it('echoes from a child process', async () => {
    const server = serving(await create());
    expect(server.strategy.name).toBe('forking');
    expect(server.maxChildren).toBe(1);
    const address = server.serverAddress;
    if (name.endsWith('StreamServer') || name === 'ForkingTCPServer') {
      expect((await exchange(address, 'hello child\n')).toString()).toBe('hello child\n');
      return;
    }
    const client: DatagramClient =
      address.family === 'unix'
        ? unixDgramClient(address.path)
        : await udpClient(address as InetAddress);
    teardown.add(() => client.close());
    await client.send('hello child\n');
    expect((await client.receive()).toString()).toBe('hello child\n');
  });
});

it('ForkingTCPServer is a TCPServer with ForkingMixIn and its Python attributes', async () => {
  const server = serving(
    await ForkingTCPServer.create({ host: '127.0.0.1', port: 0 }, EchoLineHandler, {
      maxChildren: 2,
    }),
  );
  expect(server).toBeInstanceOf(TCPServer);
  expect(server.strategy).toBeInstanceOf(ForkingStrategy);
  expect(server.maxChildren).toBe(2);
  expect(server.blockOnClose).toBe(true);
  expect(server.timeout).toBe(300_000); // Python's ForkingMixIn.timeout, 300 s
});
