/** The conformance suites under threading, on all four transports (relay and moved sockets). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeDatagramServer, describeStreamServer, udpClient } from '@sockserve/conformance';
import type { InetAddress } from '@sockserve/core';
import { TCPServer } from '@sockserve/tcp';
import { ThreadingStrategy } from '@sockserve/threading';
import { UDPServer } from '@sockserve/udp';
import { UnixDatagramServer, UnixStreamServer } from '@sockserve/unix';
import { afterAll } from 'vitest';

import { unixDgramClient } from '../../unix/test/unix-dgram-client.ts';

const dir = mkdtempSync(join(tmpdir(), 'sockserve-threading-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const path = () => join(dir, `s${++n}.sock`);

const threading = [{ name: 'threading', make: () => new ThreadingStrategy({ maxWorkers: 2 }) }];
const relay = [
  {
    name: 'threading (relay)',
    make: () => new ThreadingStrategy({ maxWorkers: 2, transfer: 'relay' }),
  },
];

describeStreamServer(
  { name: 'TCPServer', create: (h, o) => TCPServer.create({ host: '127.0.0.1', port: 0 }, h, o) },
  [...threading, ...relay],
);
describeStreamServer(
  { name: 'UnixStreamServer', create: (h, o) => UnixStreamServer.create(path(), h, o) },
  threading,
);
describeDatagramServer(
  {
    name: 'UDPServer',
    create: (h, o) => UDPServer.create({ host: '127.0.0.1', port: 0 }, h, o),
    client: (server) => udpClient(server.serverAddress as InetAddress),
  },
  threading,
);
describeDatagramServer(
  {
    name: 'UnixDatagramServer',
    create: (h, o) => UnixDatagramServer.create(path(), h, o),
    client: (server) => Promise.resolve(unixDgramClient((server as UnixDatagramServer).path)),
  },
  threading,
);
