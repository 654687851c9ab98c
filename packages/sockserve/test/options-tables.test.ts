/** The READMEs' options tables are written from the declarations; this fails when one is stale. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));

it('every README options table matches the option declarations', async () => {
  const run = promisify(execFile);
  const result = await run(process.execPath, ['scripts/options-tables.ts', '--check'], {
    cwd: root,
  }).catch((error: { stderr: string; code: number }) => error);
  expect(result.stderr).toBe('');
});
