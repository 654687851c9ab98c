/**
 * `startProcess`: once `exited` resolves, all the peer wrote is in `output()` — start-up reads
 * it for "bind"/"in use" right after a peer that failed to bind has exited. Output can still be
 * coming after 'exit': from the pipe's buffer, or from a worker of a master-worker peer
 * (HAProxy -W, nginx) that still holds the pipe and logs on its way out.
 */
import { existsSync } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { peerDir, startProcess, Teardown } from '../src/index.js';

const teardown = new Teardown();
afterEach(() => teardown.run());

// The peer starts a worker that shares its stderr and whose stdin is a pipe from the peer,
// then exits 1. The worker sees that pipe end (the peer is gone) and only then writes its line:
// the line always comes after the peer's 'exit'.
const WORKER = `
process.stdin.resume().on('end', () => process.stderr.write('worker: bind: Address in use\\n'));
`;
const PEER = `
const { spawn } = require('node:child_process');
const worker = spawn(process.execPath, ['-e', ${JSON.stringify(WORKER)}], {
  stdio: ['pipe', 'inherit', 'inherit'],
});
worker.unref();
process.stderr.write('peer: exiting\\n', () => process.exit(1));
`;

it('exited waits for output written after the exit by a worker holding the pipe', async () => {
  const dir = await peerDir('process-output');
  const peer = startProcess(process.execPath, ['-e', PEER], dir);
  teardown.add(() => peer.stop());
  expect(await peer.exited).toEqual({ code: 1, signal: null });
  expect(peer.output()).toBe('peer: exiting\nworker: bind: Address in use\n');
});

it('stop() on a process that already exited resolves and removes its directory', async () => {
  const dir = await peerDir('process-output');
  const peer = startProcess(process.execPath, ['-e', 'process.stdout.write("done\\n")'], dir);
  await peer.exited;
  await peer.stop();
  expect(peer.output()).toBe('done\n');
  expect(existsSync(dir)).toBe(false);
});
