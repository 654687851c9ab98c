/** A real Unix datagram client for the tests: bound to its own path so replies can reach it. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatagramClient } from '@sockserve/conformance';
import { UnixDgramSocket } from '../src/index.js';

/** A client bound in a fresh temp dir, sending to `serverPath`. */
export function unixDgramClient(serverPath: string): DatagramClient {
  const dir = mkdtempSync(join(tmpdir(), 'sockserve-client-'));
  const received: Buffer[] = [];
  let wake: (() => void) | undefined;
  const socket = new UnixDgramSocket(
    (data) => {
      received.push(data);
      wake?.();
    },
    () => {},
  );
  socket.bind(join(dir, 'client.sock'));
  return {
    send: (data) => socket.sendTo(typeof data === 'string' ? Buffer.from(data) : data, serverPath),
    async receive() {
      while (received.length === 0) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
      return received.shift() as Buffer;
    },
    async close() {
      socket.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
