/**
 * Socket files under races (issue 12, items 2 and 3): of any number of servers starting on
 * one path at once, exactly one owns it and every other gets EADDRINUSE naming the path —
 * with the path empty or holding a stale socket; and a regular file put at the path at any
 * moment of a start is never removed or replaced. The old bind-in-a-private-dir-then-rename
 * scheme replaced whatever was at the path: both racers reported ready, the loser listening
 * on a file nobody could reach, and a regular file arriving mid-start was destroyed.
 * `SOCKSERVE_RACES=1000` runs the long version.
 */
import { existsSync, lstatSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { setImmediate as tick } from 'node:timers/promises';
import { DatagramEchoHandler, EchoLineHandler, exchange } from '@sockserve/conformance';
import { BindError } from '@sockserve/core';
import { afterEach, describe, expect, it } from 'vitest';
import { UnixDatagramServer, UnixDgramSocket, UnixStreamServer } from '../src/index.js';
import { tempSocketPaths } from './temp-paths.js';

const RACES = Number(process.env.SOCKSERVE_RACES ?? 200);
const path = tempSocketPaths();
const open: Array<UnixStreamServer | UnixDatagramServer> = [];
afterEach(async () => {
  for (const server of open.splice(0)) await server.serverClose();
});

/** Leaves a socket file nobody is bound to, as a killed process does. */
function staleSocket(p: string): void {
  const socket = new UnixDgramSocket(
    () => {},
    () => {},
  );
  socket.bind(p);
  socket.close();
}

type AnyUnixServer = UnixStreamServer | UnixDatagramServer;

/** Starts `count` servers on `p` at once (streams and datagrams alternating). */
async function race(p: string, count: number): Promise<PromiseSettledResult<AnyUnixServer>[]> {
  const results = await Promise.allSettled(
    Array.from({ length: count }, (_, n) =>
      n % 2 === 0
        ? UnixStreamServer.create(p, EchoLineHandler)
        : UnixDatagramServer.create(p, DatagramEchoHandler),
    ),
  );
  for (const result of results) if (result.status === 'fulfilled') open.push(result.value);
  return results;
}

/** Exactly one winner, which really owns the path; every loser an EADDRINUSE naming it. */
async function expectOneOwner(
  p: string,
  results: PromiseSettledResult<AnyUnixServer>[],
): Promise<void> {
  const winners = results.filter((r) => r.status === 'fulfilled');
  expect(winners).toHaveLength(1);
  for (const result of results) {
    if (result.status === 'fulfilled') continue;
    expect(result.reason).toBeInstanceOf(BindError);
    expect(result.reason).toMatchObject({ syscallCode: 'EADDRINUSE' });
    expect((result.reason as Error).message).toContain(p);
  }
  const winner = (winners[0] as PromiseFulfilledResult<AnyUnixServer>).value;
  if (winner instanceof UnixStreamServer) {
    winner.handleError = () => {}; // the losers' probes connect and leave without a line
    winner.serveForever().catch(() => {});
    expect((await exchange(winner.serverAddress, 'mine\n')).toString()).toBe('mine\n');
  }
  await winner.serverClose();
  open.splice(open.indexOf(winner), 1);
  expect(existsSync(p)).toBe(false);
}

describe('servers racing for one path', () => {
  it(`empty path: exactly one of 4 wins, ${RACES} times`, async () => {
    for (let n = 0; n < RACES; n += 1) {
      const p = path();
      await expectOneOwner(p, await race(p, 4));
    }
  });

  it(`stale socket at the path: exactly one of 4 wins, never ENOENT, ${RACES} times`, async () => {
    for (let n = 0; n < RACES; n += 1) {
      const p = path();
      staleSocket(p);
      await expectOneOwner(p, await race(p, 4));
    }
  });
});

describe('a regular file appearing at the path', () => {
  it(`is never removed or replaced, whenever it arrives during a start (${RACES} starts)`, async () => {
    for (let n = 0; n < RACES; n += 1) {
      const p = path();
      staleSocket(p);
      const precious = `${p}.precious`;
      writeFileSync(precious, `precious ${n}`);
      const start: Promise<AnyUnixServer> =
        n % 2 === 0
          ? UnixStreamServer.create(p, EchoLineHandler)
          : UnixDatagramServer.create(p, DatagramEchoHandler);
      // Another program moves a regular file onto the path at a different moment each time.
      for (let turns = n % 40; turns > 0; turns -= 1) await tick();
      renameSync(precious, p);
      const result = await start.then(
        (server) => {
          open.push(server);
          return server;
        },
        (error: unknown) => error,
      );
      if (result instanceof BindError) {
        expect(result).toMatchObject({ syscallCode: 'EADDRINUSE' });
      } else {
        // It won before the file arrived (the file then replaced its socket): closing it
        // must leave the file alone.
        await (result as AnyUnixServer).serverClose();
        open.splice(open.indexOf(result as AnyUnixServer), 1);
      }
      expect(lstatSync(p).isFile()).toBe(true);
      expect(readFileSync(p, 'utf8')).toBe(`precious ${n}`);
    }
  });
});

describe('the lock beside the path', () => {
  it('a start that finds another one clearing a stale file waits for it, then goes on', async () => {
    const p = path();
    staleSocket(p);
    const stale = lstatSync(p).ino;
    writeFileSync(`${p}.lock`, '1\n');
    const start = UnixStreamServer.create(p, EchoLineHandler);
    let settled = false;
    start.then(
      () => {
        settled = true;
      },
      () => {
        settled = true;
      },
    );
    for (let turns = 0; turns < 200; turns += 1) await tick();
    expect(settled).toBe(false);
    expect(lstatSync(p).ino).toBe(stale);
    renameSync(`${p}.lock`, `${p}.released`);
    const server = await start;
    open.push(server);
    expect(existsSync(`${p}.lock`)).toBe(false);
    server.serveForever().catch(() => {});
    expect((await exchange(server.serverAddress, 'after\n')).toString()).toBe('after\n');
  });
});
