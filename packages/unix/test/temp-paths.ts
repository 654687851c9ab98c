/** A fresh temporary directory per test for socket files, removed afterwards. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';

/**
 * Returns `path(name?)`: a path in a temp dir that is removed after each test; without a name,
 * a new unique one on every call.
 */
export function tempSocketPaths(): (name?: string) => string {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  let current: string | undefined;
  afterEach(() => {
    current = undefined;
  });
  let counter = 0;
  return (name?: string) => {
    counter += 1;
    if (current === undefined) {
      current = mkdtempSync(join(tmpdir(), 'sockserve-'));
      dirs.push(current);
    }
    return join(current, name ?? `s${counter}.sock`);
  };
}
