/** Test helpers: temp dirs for socket files, a Unix datagram client, and teardown lists. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DatagramClient, Inbox } from '@sockserve/conformance';
import { UnixDgramSocket } from '../src/index.js';

/** A fresh temp directory; `removeTempDirs()` deletes every one made so far. */
const dirs: string[] = [];
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sockserve-umbrella-'));
  dirs.push(dir);
  return dir;
}

/** Removes the directories {@link tempDir} made. */
export function removeTempDirs(): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A Unix datagram client bound in its own temp dir (so replies can reach it), sending to `serverPath`. */
export function unixDgramClient(serverPath: string): DatagramClient {
  const inbox = new Inbox();
  const socket = new UnixDgramSocket(inbox.push, () => {});

  socket.bind(join(tempDir(), 'client.sock'));
  return {
    send: (data) => socket.sendTo(typeof data === 'string' ? Buffer.from(data) : data, serverPath),
    receive: () => inbox.receive(),
    async close() {
      socket.close();
    },
  };
}

/** Things to close after each test, last opened first (the shared test support's list). */
export { Teardown } from '@sockserve/test-support';
