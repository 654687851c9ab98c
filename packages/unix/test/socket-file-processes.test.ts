/**
 * Servers in separate processes racing for one path (issue 12, item 2): exactly one wins and
 * every other reports EADDRINUSE, with the path empty or holding a stale socket.
 * `SOCKSERVE_PROCESS_RACES` sets the number of rounds (default 10).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { UnixDgramSocket } from '../src/index.js';
import { tempSocketPaths } from './temp-paths.js';

const ROUNDS = Number(process.env.SOCKSERVE_PROCESS_RACES ?? 10);
const script = fileURLToPath(new URL('./fixtures/claim-path.ts', import.meta.url));
const path = tempSocketPaths();
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  }
});

/** Starts one racer; resolves with what it printed (`won` or an error code). */
function racer(
  p: string,
  kind: 'stream' | 'datagram',
): { child: ChildProcess; said: Promise<string> } {
  const child = spawn(process.execPath, [script, p, kind], {
    stdio: ['pipe', 'pipe', 'inherit'],
    cwd: fileURLToPath(new URL('..', import.meta.url)),
  });
  children.push(child);
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const said = new Promise<string>((resolve) => lines.once('line', resolve));
  return { child, said };
}

it(`4 processes racing for one path: one owner, EADDRINUSE for the rest (${ROUNDS} rounds, half with a stale file)`, async () => {
  const tally: Record<string, number> = {};
  for (let round = 0; round < ROUNDS; round += 1) {
    const p = path();
    if (round % 2 === 1) {
      const stale = new UnixDgramSocket(
        () => {},
        () => {},
      );
      stale.bind(p);
      stale.close();
    }
    const racers = (['stream', 'datagram', 'stream', 'datagram'] as const).map((kind) =>
      racer(p, kind),
    );
    const said = await Promise.all(racers.map((r) => r.said));
    for (const word of said) tally[word] = (tally[word] ?? 0) + 1;
    expect(said.filter((word) => word === 'won')).toHaveLength(1);
    expect(said.filter((word) => word !== 'won')).toEqual([
      'EADDRINUSE',
      'EADDRINUSE',
      'EADDRINUSE',
    ]);
    for (const { child } of racers) child.stdin?.end();
    await Promise.all(
      racers.map(({ child }) => (child.exitCode === null ? once(child, 'exit') : undefined)),
    );
    expect(existsSync(p)).toBe(false);
  }
  console.log(`process races: ${ROUNDS} rounds of 4: ${JSON.stringify(tally)}`);
});
