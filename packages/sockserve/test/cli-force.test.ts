/**
 * PENDING the pipeline's close semantics (not picked up by vitest: rename to
 * `cli-force.test.ts` after the merge). A second SIGTERM during a graceful stop must cut at
 * once — `serverClose({ timeout: 0 })` while a graceful `serverClose({ timeout })` runs — and
 * the command exits 1, under every strategy. On the current core the second close returns the
 * first one's promise, which waits the whole --close-timeout (here 10 minutes).
 */
import { LineClient } from '@sockserve/conformance';
import { afterEach, describe, expect, it } from 'vitest';
import { CliProcess, portOf } from './cli-process.js';
import { Teardown } from './helpers.js';

const teardown = new Teardown();
afterEach(() => teardown.run());

describe.each([
  ['sequential', []],
  ['--async', ['--async']],
  ['--threads 2', ['--threads', '2']],
  ['--processes 2', ['--processes', '2']],
])('%s', (_name, strategy) => {
  it('a second SIGTERM cuts a request that ignores draining: exit 1 at once', async () => {
    const cli = new CliProcess([
      'serve',
      '--tcp',
      '127.0.0.1:0',
      '--close-timeout',
      '600000',
      ...strategy,
      './ignore-drain.mjs',
    ]);
    teardown.add(() => cli.stop('SIGKILL'));
    const port = portOf(await cli.listening());
    const client = await LineClient.connect({ family: 'IPv4', host: '127.0.0.1', port });
    teardown.add(() => client.close());
    client.write('go\n');
    expect(await client.line()).toBe('started\n');
    cli.child.kill('SIGTERM');
    await cli.stderrMatching(/^stopping: 1 running \(signal again to force\)\n/);
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toEqual({ code: 1, signal: null });
    expect(await client.rest()).toBe(''); // cut: closed, nothing more sent
    expect(cli.stderr).toBe(
      'stopping: 1 running (signal again to force)\nsockserve: SIGTERM again: cutting 1 running requests\n',
    );
  });
});
