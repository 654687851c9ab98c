/**
 * A forking child loads only what a request needs, and compiles its modules once per machine
 * (issue 19): no HTTP stack in a child serving a stream handler, and Node's compile cache
 * turned on by the child's entry, in the directory Node picks.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exchange } from '@sockserve/conformance';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { LoadedModulesHandler } from './fixtures/lean-child.ts';
import { closeServersAfterEach, serve } from './fixtures/servers.ts';

closeServersAfterEach();

const ENV_KEYS = ['TMPDIR', 'NODE_COMPILE_CACHE', 'NODE_DISABLE_COMPILE_CACHE'] as const;
const savedEnv = Object.fromEntries(ENV_KEYS.map((key) => [key, process.env[key]]));
const made: string[] = [];
afterEach(() => {
  for (const key of ENV_KEYS) {
    if (savedEnv[key] === undefined) delete process.env[key];
    else process.env[key] = savedEnv[key];
  }
});
// After the file, not after each test: an afterEach registered here runs before the servers'
// teardown (vitest runs after-hooks last registered first), while a spare child may still be
// writing its compile cache into the directory; after the file, every child has exited (the
// servers' teardown checks it).
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('a lean forking child', () => {
  it('serves a stream handler without loading node:http or undici', async () => {
    const { server } = await serve(LoadedModulesHandler, { forkingMode: 'per-request' });
    const reply = await exchange(server.serverAddress, 'hi\n');
    expect(reply.toString()).toBe('http false undici false\n');
  });

  it("turns on Node's compile cache: a child's modules are cached in the OS temp directory", async () => {
    // Children inherit this environment: os.tmpdir() there is this fresh directory, and
    // only module.enableCompileCache() (no NODE_COMPILE_CACHE set) writes a cache into it.
    const temp = mkdtempSync(join(tmpdir(), 'sockserve-compile-cache-'));
    made.push(temp);
    delete process.env.NODE_COMPILE_CACHE;
    delete process.env.NODE_DISABLE_COMPILE_CACHE;
    process.env.TMPDIR = temp;
    const { server } = await serve(LoadedModulesHandler, { forkingMode: 'per-request' });
    expect((await exchange(server.serverAddress, 'hi\n')).toString()).toMatch(/^http /);
    await server.collectChildren({ blocking: true });
    const cacheRoot = join(temp, 'node-compile-cache');
    const [versionDir] = readdirSync(cacheRoot);
    expect(versionDir).toBeDefined();
    expect(readdirSync(join(cacheRoot, versionDir as string)).length).toBeGreaterThan(10);
  });
});
