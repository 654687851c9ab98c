/** A real Unix datagram client for the tests: bound to its own path so replies can reach it. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DatagramClient, Inbox } from '@sockserve/conformance';
import { UnixDgramSocket } from '../src/index.js';

/** A client bound in a fresh temp dir, sending to `serverPath`. */
export function unixDgramClient(serverPath: string): DatagramClient {
  const dir = mkdtempSync(join(tmpdir(), 'sockserve-client-'));
  const inbox = new Inbox();
  const socket = new UnixDgramSocket(inbox.push, () => {});

  socket.bind(join(dir, 'client.sock'));
  return {
    send: (data) => socket.sendTo(typeof data === 'string' ? Buffer.from(data) : data, serverPath),
    receive: () => inbox.receive(),
    async close() {
      socket.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
