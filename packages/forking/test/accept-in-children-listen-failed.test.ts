/**
 * `acceptIn: 'children'`: a spare whose `listen()` on the server's handle fails says so and
 * exits, and the turn to accept passes on at once — before, the failure was swallowed in the
 * child, which kept the turn (and lived on), so no other spare listened and clients waited in
 * the kernel's queue. The failure is real: the child closes its copy of the handle just before
 * its turn (`fixtures/fail-first-listen.mjs`), and libuv's listen on it fails.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exchange } from '@sockserve/conformance';
import { ForkingStrategy } from '@sockserve/forking';
import { afterEach, describe, expect, it } from 'vitest';
import { BusyHandler } from './fixtures/handlers.ts';
import { closeServersAfterEach, serve } from './fixtures/servers.ts';

closeServersAfterEach();

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** `promise`, or a rejection naming `what` after `ms` (the test's own failure, not vitest's timeout). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

describe("acceptIn: 'children': a spare that can't listen", () => {
  it('reports the error, exits with status 1, and the next spare accepts the connection', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sockserve-listen-failed-'));
    dirs.push(dir);
    const marker = join(dir, 'failed');
    const preload = new URL('./fixtures/fail-first-listen.mjs', import.meta.url);
    preload.searchParams.set('marker', marker);
    const warnings: Array<{ fields: Record<string, unknown>; message: string }> = [];
    const exits: string[] = [];
    let exited = () => {};
    const { server } = await serve(BusyHandler, {
      strategy: new ForkingStrategy({
        mode: 'per-request',
        acceptIn: 'children',
        minSpareChildren: 2,
        execArgv: ['--import', preload.href],
        onChildExit: (child) => {
          exits.push(child);
          exited();
        },
      }),
      logger: {
        error: () => {},
        warn: (fields: object, message: string) =>
          warnings.push({ fields: fields as Record<string, unknown>, message }),
      },
    });
    const reply = (
      await within(exchange(server.serverAddress, 'hi\n'), 10_000, 'the connection')
    ).toString();
    expect(existsSync(marker)).toBe(true);
    expect(warnings).toHaveLength(1);
    const [{ fields, message }] = warnings as [(typeof warnings)[number]];
    expect(fields).toMatchObject({ strategy: 'forking', code: expect.any(String) });
    expect(message).toMatch(/could not listen on the server's socket/);
    const failed = String(fields.runner);
    // Served by another spare than the one that failed.
    expect(reply).toMatch(/^hi \d+\n$/);
    expect(`child ${reply.trim().split(' ')[1]}`).not.toBe(failed);
    // The failed child exits with status 1 (a broken spare, told as an unexpected exit).
    if (!exits.includes(failed))
      await within(
        new Promise<void>((resolve) => (exited = () => exits.includes(failed) && resolve())),
        10_000,
        'its exit',
      );
    const statuses = await server.collectChildren();
    expect(statuses).toContainEqual({ pid: Number(failed.split(' ')[1]), code: 1, signal: null });
  });
});
