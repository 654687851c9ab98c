/**
 * Readiness by connecting, not by sleeping: a peer is ready when a probe over a Unix socket
 * in its temp dir answers (HAProxy's stats socket, nginx's `ready` listener). An answer
 * needs the peer's event loop, which runs only after every listener in the config is
 * bound, so "answered" means "serving". A failed probe is retried when the dir changes or
 * 25 ms later, whichever is first: the socket file appears at bind() but connecting is
 * refused until listen(), which changes nothing on disk.
 */
import { watch } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

/**
 * Connects to the Unix socket at `path`, sends `request` (if any) and resolves with
 * everything the peer answered before it closed. A peer that answers and closes before our
 * write lands (EPIPE, ECONNRESET) still counts as having answered.
 */
export function askUnix(path: string, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let answer = '';
    socket.setEncoding('utf8');
    if (request !== '') socket.on('connect', () => socket.write(request));
    socket.on('data', (text: string) => (answer += text));
    socket.on('error', (error) => (answer === '' ? reject(error) : resolve(answer)));
    socket.on('close', () => resolve(answer));
  });
}

/**
 * Resolves once `probe()` is true; rejects with the peer's output if `exited` resolves
 * first, or after `deadlineMs` (so a peer that never gets ready is stopped by its helper
 * instead of outliving the test run).
 */
export async function waitReady(
  dir: string,
  probe: () => Promise<boolean>,
  exited: Promise<unknown>,
  output: () => string,
  deadlineMs = 20_000,
): Promise<void> {
  let wake: (() => void) | undefined;
  let gone = false;
  const watcher = watch(dir, () => wake?.());
  void exited.then(() => {
    gone = true;
    wake?.();
  });
  const deadline = Date.now() + deadlineMs;
  try {
    for (;;) {
      if (gone) throw new Error(`the peer exited before it was ready:\n${output()}`);
      if (await probe().catch(() => false)) return;
      if (Date.now() > deadline) {
        throw new Error(`the peer was not ready after ${deadlineMs} ms:\n${output()}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 25);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  } finally {
    watcher.close();
  }
}

/** `join` re-exported for the peer helpers' config paths. */
export { join };
