/**
 * Servers in separate processes racing for one path (issue 12, item 2): exactly one wins and
 * every other reports EADDRINUSE, with the path empty or holding a stale socket.
 * `SOCKSERVE_PROCESS_RACES` sets the number of rounds (default 10). Four racer processes
 * serve every round (told to claim at once over stdin), so the test's cost doesn't grow with
 * process start-ups: 40 of them sat at the 30 s timeout on a loaded machine.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createInterface, type Interface } from 'node:readline';
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

/** One racer process (`fixtures/claim-path.ts`): `ask(line)` resolves with its answer. */
function racer(): { child: ChildProcess; ask(line: string): Promise<string> } {
  const child = spawn(process.execPath, [script], {
    stdio: ['pipe', 'pipe', 'inherit'],
    cwd: fileURLToPath(new URL('..', import.meta.url)),
  });
  children.push(child);
  const lines: Interface = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const waiting: Array<(line: string) => void> = [];
  lines.on('line', (line) => waiting.shift()?.(line));
  return {
    child,
    ask(line) {
      const answer = new Promise<string>((resolve) => waiting.push(resolve));
      child.stdin?.write(`${line}\n`);
      return answer;
    },
  };
}

it(`4 processes racing for one path: one owner, EADDRINUSE for the rest (${ROUNDS} rounds, half with a stale file)`, async () => {
  const kinds = ['stream', 'datagram', 'stream', 'datagram'] as const;
  const racers = kinds.map(() => racer());
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
    // Every racer is told at once; each answers once its bind succeeded or failed.
    const said = await Promise.all(racers.map((r, i) => r.ask(`claim ${kinds[i]} ${p}`)));
    for (const word of said) tally[word] = (tally[word] ?? 0) + 1;
    expect(said.filter((word) => word === 'won')).toHaveLength(1);
    expect(said.filter((word) => word !== 'won')).toEqual([
      'EADDRINUSE',
      'EADDRINUSE',
      'EADDRINUSE',
    ]);
    expect(await Promise.all(racers.map((r) => r.ask('release')))).toEqual(
      kinds.map(() => 'released'),
    );
    expect(existsSync(p)).toBe(false);
  }
  for (const { child } of racers) child.stdin?.end();
  const codes = await Promise.all(
    racers.map(({ child }) => (child.exitCode === null ? once(child, 'exit') : [child.exitCode])),
  );
  expect(codes.map(([code]) => code)).toEqual([0, 0, 0, 0]);
  console.log(`process races: ${ROUNDS} rounds of 4: ${JSON.stringify(tally)}`);
});
