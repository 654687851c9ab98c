/**
 * What workers and children get from the command (issue 13, items 3 and 5): a handler module
 * that starts a server at import fails fast with the nested-server error naming the guard, and
 * `node --inspect` debugs the server's process only unless `--exec-argv` asks for more.
 */
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { LineClient } from '@sockserve/conformance';
import { afterEach, describe, expect, it } from 'vitest';
import { CliProcess, portOf, runCli } from './cli-process.js';
import { Teardown } from './helpers.js';

const teardown = new Teardown();
afterEach(() => teardown.run());

describe('a handler module that starts a server at import, unguarded', () => {
  it.each([
    ['--threads', 'worker 1', "if (isMainThread) { … } (isMainThread from 'node:worker_threads')"],
    [
      '--processes',
      'child \\d+',
      "if (!isForkedChild()) { … } (isForkedChild() from '@sockserve/forking')",
    ],
  ])(
    '%s 1: the runner refuses to start a second server; exit 2, one line',
    async (option, runner, guard) => {
      const { code, stdout, stderr } = await runCli([
        'serve',
        '--tcp',
        '127.0.0.1:0',
        option,
        '1',
        './self-starting.mjs',
      ]);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr.split('\n')).toHaveLength(2); // one line and its newline
      expect(stderr).toMatch(
        new RegExp(
          `^sockserve: ${runner} could not load the handler: cannot import handler module file:.*/self-starting\\.mjs: NestedServerError: cannot create a server inside sockserve ${runner}: `,
        ),
      );
      expect(stderr).toContain(guard);
    },
  );
});

async function execArgvOfRunner(cli: CliProcess): Promise<string[]> {
  const port = portOf(await cli.listening());
  const client = await LineClient.connect({ family: 'IPv4', host: '127.0.0.1', port });
  teardown.add(() => client.close());
  client.write('?\n');
  return JSON.parse(await client.line()) as string[];
}

const DEBUGGER = /^Debugger listening on ws:\/\/127\.0\.0\.1:\d+\//gm;

describe.each([['--threads'], ['--processes']])('node --inspect with %s 2', (option) => {
  it('the runners get no inspector flag: one debugger port, the server’s', async () => {
    const cli = new CliProcess(
      [
        'serve',
        '--tcp',
        '127.0.0.1:0',
        option,
        '2',
        '--exec-argv=--no-deprecation',
        './exec-argv.mjs',
      ],
      { node: ['--inspect=127.0.0.1:0'] },
    );
    teardown.add(() => cli.stop('SIGKILL'));
    expect(await execArgvOfRunner(cli)).toEqual(['--no-deprecation']);
    expect(await cli.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(cli.stderr.match(DEBUGGER)).toHaveLength(1);
  });

  it('without --exec-argv: the server’s options minus the inspector', async () => {
    const cli = new CliProcess(['serve', '--tcp', '127.0.0.1:0', option, '2', './exec-argv.mjs'], {
      node: ['--inspect=127.0.0.1:0', '--no-warnings'],
    });
    teardown.add(() => cli.stop('SIGKILL'));
    expect(await execArgvOfRunner(cli)).toEqual(['--no-warnings']);
    expect(await cli.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(cli.stderr.match(DEBUGGER)).toHaveLength(1);
  });
});

it('--processes with --exec-argv=--inspect=…: a child asked for it gets its own debugger', async () => {
  const cli = new CliProcess(
    [
      'serve',
      '--tcp',
      '127.0.0.1:0',
      '--processes',
      '1',
      '--exec-argv=--inspect=127.0.0.1:0',
      './exec-argv.mjs',
    ],
    { node: ['--inspect=127.0.0.1:0'] },
  );
  teardown.add(() => cli.stop('SIGKILL'));
  expect(await execArgvOfRunner(cli)).toEqual(['--inspect=127.0.0.1:0']);
  expect(await cli.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  expect(cli.stderr.match(DEBUGGER)).toHaveLength(2);
});

it('--exec-argv without --threads or --processes is a usage error', async () => {
  const { code, stderr } = await runCli([
    'serve',
    '--tcp',
    '127.0.0.1:0',
    '--exec-argv=--no-warnings',
    './echo.mjs',
  ]);
  expect(code).toBe(2);
  expect(stderr).toBe(
    'sockserve: --exec-argv sets Node options of workers and children: use it with --threads N or --processes N\n',
  );
});

it('the command itself refuses to run inside a sockserve worker: exit 2, the guard named', async () => {
  const worker = new Worker(new URL('./fixtures/run-in-runner.mjs', import.meta.url));
  teardown.add(() => worker.terminate());
  const [result] = (await once(worker, 'message')) as [{ code: number; lines: string[] }];
  expect(result.code).toBe(2);
  expect(result.lines).toHaveLength(1);
  expect(result.lines[0]).toMatch(
    /^sockserve: cannot run the sockserve command inside sockserve worker 7: .* if \(isMainThread\) \{ … \}/,
  );
});
