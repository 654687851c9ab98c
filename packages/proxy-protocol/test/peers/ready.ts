/**
 * Readiness without sleeps: a peer is ready when a probe over a Unix socket in its temp dir
 * answers (HAProxy's stats socket, nginx's `ready` listener). An answer needs the peer's
 * event loop, which runs only after every listener in the config is bound. The dir is
 * watched, and the probe retried on each change, so nothing polls on a timer.
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
 * Resolves once `probe()` is true, re-trying it whenever `dir` changes; rejects with the
 * peer's output if `exited` resolves first, or after `deadlineMs` (a deadline, so a peer
 * that never gets ready is stopped by its helper instead of outliving the test run).
 */
export function waitReady(
  dir: string,
  probe: () => Promise<boolean>,
  exited: Promise<unknown>,
  output: () => string,
  deadlineMs = 20_000,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = false;
    const deadline = setTimeout(
      () => finish(new Error(`the peer was not ready after ${deadlineMs} ms:\n${output()}`)),
      deadlineMs,
    );
    let running = false;
    let again = false;
    const watcher = watch(dir);
    const finish = (error?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(deadline);
      watcher.close();
      if (error) reject(error);
      else resolve();
    };
    const attempt = async () => {
      if (done) return;
      if (running) {
        again = true;
        return;
      }
      running = true;
      do {
        again = false;
        const ok = await probe().catch(() => false);
        if (ok) return finish();
      } while (again && !done);
      running = false;
    };
    watcher.on('change', () => void attempt());
    watcher.on('error', (error) => finish(error));
    void exited.then(() => finish(new Error(`the peer exited before it was ready:\n${output()}`)));
    void attempt();
  });
}

/** `join` re-exported for the peer helpers' config paths. */
export { join };
