/**
 * Importing `@sockserve/stream` loads the handler's side of core only (`@sockserve/core/handler`),
 * not the server (issue 19): a forking child or a worker that loads a stream handler would
 * otherwise load every server module of core's root on its start (67 of core's modules then,
 * 9 now). Checked in a fresh Node process with a module hook that lists what it loads (Node
 * with `module.registerHooks`: 22.15+, 23.5+).
 */
import { execFile } from 'node:child_process';
import * as nodeModule from 'node:module';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

const LIST_LOADED = `
import { registerHooks } from 'node:module';
const loaded = [];
registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context); } });
await import('@sockserve/stream');
console.log(JSON.stringify(loaded));
`;

describe.runIf(typeof nodeModule.registerHooks === 'function')(
  'importing @sockserve/stream',
  () => {
    it("loads none of core's server modules", async () => {
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', LIST_LOADED], {
        cwd: new URL('..', import.meta.url),
      });
      const core = (JSON.parse(stdout) as string[])
        .filter((url) => url.includes('/core/dist/'))
        .map((url) => url.slice(url.indexOf('/core/dist/') + '/core/dist/'.length));
      expect(core).toContain('handler-side.js');
      expect(core).toContain('handler.js');
      for (const server of ['index.js', 'base-server.js', 'request-pipeline.js', 'kit/index.js'])
        expect(core).not.toContain(server);
    });
  },
);
