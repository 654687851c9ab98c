/**
 * A stream server's file removed between its bind and its check of the file: another server
 * starting on the path probed it in the moment between bind(2) and listen(2) (its connect was
 * refused, so it judged the file stale) and removed it. The server that bound first has lost
 * the path: it fails with EADDRINUSE naming the path, as any loser of the race does — not with
 * the ENOENT of its own check (seen 1 in 20 runs of the process race at load 25).
 */
import { unlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { BindError } from '@sockserve/core';
import { afterEach, expect, it } from 'vitest';
import { SocketFile } from '../src/socket-file.js';
import { tempSocketPaths } from './temp-paths.js';

const path = tempSocketPaths();
const listeners: Server[] = [];
afterEach(async () => {
  for (const listener of listeners.splice(0))
    await new Promise<void>((resolve) => listener.close(() => resolve()));
});

it('a file removed right after the bind is an EADDRINUSE naming the path', async () => {
  const p = path();
  const file = new SocketFile(p, undefined, p);
  const claimed = file.claim(async (underMode) => {
    const listener = createServer();
    listeners.push(listener);
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      underMode(() => listener.listen(p, resolve));
    });
    // What the other server did in the moment after our bind: the file is gone.
    unlinkSync(p);
  });
  const error = await claimed.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(BindError);
  expect(error).toMatchObject({ code: 'ERR_SOCKSERVE_BIND', syscallCode: 'EADDRINUSE' });
  expect((error as BindError).message).toContain(p);
});
