/**
 * `@sockserve/core/handler` (src/handler-side.ts) is a second, hand-kept barrel: every export
 * must be the very object the root (`@sockserve/core`) or the kit (`@sockserve/core/kit`:
 * `brand`, `FINISH_THEN`, the option checks) exports — a copy would break `instanceof`, brands
 * and channel identity between a handler and its server — and the subpath must stay in
 * package.json's `exports`, built from that file.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { describe, expect, expectTypeOf, it } from 'vitest';
import * as side from '../src/handler-side.js';
import * as root from '../src/index.js';
import * as kit from '../src/kit/index.js';

const run = promisify(execFile);
const packageDir = new URL('..', import.meta.url);

/** The type-only exports of the barrel, each checked equal to the root's below. */
const TYPE_EXPORTS = ['DatagramRequest', 'FinishesThen', 'RequestInfo', 'StreamRequest'];

describe('@sockserve/core/handler', () => {
  it("exports only the root's or the kit's own objects", () => {
    const names = Object.keys(side);
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) {
      const from = [root, kit].find((entry) => name in entry) as Record<string, unknown>;
      expect(from, `${name} is exported by neither the root nor the kit`).toBeDefined();
      expect(from[name], `${name} differs from the public one`).toBe(
        (side as Record<string, unknown>)[name],
      );
    }
  });

  it("type exports are the root's or the kit's types", async () => {
    expectTypeOf<side.DatagramRequest>().toEqualTypeOf<root.DatagramRequest>();
    expectTypeOf<side.FinishesThen>().toEqualTypeOf<kit.FinishesThen>();
    expectTypeOf<side.RequestInfo>().toEqualTypeOf<root.RequestInfo>();
    expectTypeOf<side.StreamRequest>().toEqualTypeOf<root.StreamRequest>();
    // A type added to the barrel must be added to the checks above.
    const source = await readFile(new URL('src/handler-side.ts', packageDir), 'utf8');
    const types = [...source.matchAll(/\btype (\w+)/g)].map((match) => match[1]);
    const listed = [...source.matchAll(/export type \{([^}]*)\}/g)].flatMap((match) =>
      (match[1] ?? '').split(',').map((name) => name.trim()),
    );
    expect([...types, ...listed].filter(Boolean).sort()).toEqual(TYPE_EXPORTS);
  });

  it('is in package.json exports, built from src/handler-side.ts', async () => {
    const manifest = JSON.parse(await readFile(new URL('package.json', packageDir), 'utf8'));
    expect(manifest.exports['./handler']).toEqual({
      types: './dist/handler-side.d.ts',
      default: './dist/handler-side.js',
    });
  });

  it("resolves by name in a fresh Node process to the built root's or kit's objects", async () => {
    const script = `
      const side = await import('@sockserve/core/handler');
      const root = await import('@sockserve/core');
      const kit = await import('@sockserve/core/kit');
      const differ = Object.keys(side).filter(
        (name) => (name in root ? root : kit)[name] !== side[name],
      );
      console.log(JSON.stringify({ names: Object.keys(side).length, differ }));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: packageDir,
    });
    expect(JSON.parse(stdout)).toEqual({ names: Object.keys(side).length, differ: [] });
  });
});
