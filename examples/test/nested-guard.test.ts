/**
 * The Python docs' mixin examples without their `isMainThread` / `!isForkedChild()` guard
 * (issue 13, item 3): every worker or child imports the module for its handler and would start
 * another server (134 threads and 1.5 GB in 6 s before the check). Now the first one it starts
 * refuses with NestedServerError naming the guard, and the example exits on its own at once.
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { examplePath } from '../lib/spawn-example.ts';

const made: string[] = [];
afterEach(() => {
  for (const file of made.splice(0)) rmSync(file, { force: true });
});

/** A copy of `name` next to it (so its imports resolve) with the guard's `if` removed. */
function withoutGuard(name: string, guard: string): string {
  const source = readFileSync(examplePath(name), 'utf8');
  expect(source).toContain(`\n${guard} {\n`);
  const file = examplePath(`.unguarded-${process.pid}-${name}`);
  writeFileSync(file, source.replace(`\n${guard} {\n`, '\n{\n'));
  made.push(file);
  return file;
}

/** `/proc/<pid>/status` fields, or undefined once the process is gone. */
function status(pid: number): { threads: number; rssKiB: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1]);
    return { threads: field('Threads'), rssKiB: field('VmRSS') };
  } catch {
    return undefined;
  }
}

it.each([
  [
    'threaded-tcp.ts',
    'if (isMainThread)',
    'worker \\d+',
    "if (isMainThread) { … } (isMainThread from 'node:worker_threads')",
  ],
  [
    'forking-tcp.ts',
    'if (!isForkedChild())',
    'child \\d+',
    "if (!isForkedChild()) { … } (isForkedChild() from '@sockserve/forking')",
  ],
])(
  '%s without its guard fails at start-up with the nested-server error',
  async (name, guard, runner, advice) => {
    const file = withoutGuard(name, guard);
    const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
    });
    // A figure for the report, not a synchronisation: the peak seen while it ran.
    const peak = { threads: 0, rssKiB: 0 };
    const sampler = setInterval(() => {
      const now = status(child.pid ?? -1);
      if (now === undefined || !Number.isFinite(now.threads + now.rssKiB)) return;
      peak.threads = Math.max(peak.threads, now.threads);
      peak.rssKiB = Math.max(peak.rssKiB, now.rssKiB);
    }, 20);
    const started = performance.now();
    const code = await new Promise<number | null>((resolve) =>
      child.once('close', (exitCode) => resolve(exitCode)),
    );
    clearInterval(sampler);
    const ms = Math.round(performance.now() - started);
    console.log(
      `${name} unguarded: exit ${code} after ${ms} ms; peak ${peak.threads} threads, ${Math.round(peak.rssKiB / 1024)} MiB RSS (sampled every 20 ms)`,
    );
    expect(code).toBe(1);
    expect(stderr).toMatch(
      new RegExp(
        `could not load the handler: cannot import handler module file:.*: NestedServerError: cannot create a server inside sockserve ${runner}: `,
      ),
    );
    expect(stderr).toContain(advice);
    expect(stderr).toContain("code: 'ERR_SOCKSERVE_HANDLER_LOAD'");
  },
);
