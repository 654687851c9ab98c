/**
 * examples/forking-tcp.ts as a user runs it: the Python docs' mixin example with
 * ForkingMixIn — three clients answered by three different processes, then exit 0 with no
 * process left behind.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { alive, childrenOf } from './fixtures/processes.ts';

afterAll(() => expect(childrenOf()).toEqual([]));

const EXAMPLE = fileURLToPath(new URL('../../../examples/forking-tcp.ts', import.meta.url));

it("forking-tcp.ts: the Python docs' mixin example, three clients served by three processes", async () => {
  const { code, stdout } = await new Promise<{ code: number; stdout: string }>((resolve) => {
    execFile(process.execPath, [EXAMPLE], { timeout: 20_000 }, (error, out) =>
      resolve({ code: error === null ? 0 : Number(error.code ?? -1), stdout: out }),
    );
  });
  expect(code).toBe(0);
  const lines = stdout.trimEnd().split('\n');
  const main = Number(/^Server loop running in process: (\d+)$/.exec(lines[0] ?? '')?.[1]);
  expect(main).toBeGreaterThan(0);
  const received = lines.slice(1).map((line) => /^Received: (\d+): (Hello World \d)$/.exec(line));
  expect(received.map((m) => m?.[2])).toEqual(['Hello World 1', 'Hello World 2', 'Hello World 3']);
  const pids = received.map((m) => Number(m?.[1]));
  expect(new Set(pids).size).toBe(3);
  expect(pids).not.toContain(main);
  for (const pid of [main, ...pids]) expect(alive(pid)).toBe(false);
});
