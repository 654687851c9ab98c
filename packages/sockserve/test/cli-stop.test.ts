/**
 * Stopping the command as a process manager does (issue 13, items 1 and 2): the first SIGTERM
 * or SIGINT prints one line, lets the request in hand finish, closes idle connections and
 * exits 0 — under every strategy; a second forces (exit 1); a signal during start-up stops it.
 */
import { LineClient } from '@sockserve/conformance';
import { afterEach, describe, expect, it } from 'vitest';
import { CliProcess, portOf } from './cli-process.js';
import { Teardown } from './helpers.js';

const teardown = new Teardown();
afterEach(() => teardown.run());

function start(args: readonly string[], env?: Record<string, string>): CliProcess {
  const cli = new CliProcess(['serve', ...args], env === undefined ? {} : { env });
  teardown.add(() => cli.stop('SIGKILL'));
  return cli;
}

async function connect(cli: CliProcess): Promise<LineClient> {
  const port = portOf(await cli.listening());
  const client = await LineClient.connect({ family: 'IPv4', host: '127.0.0.1', port });
  teardown.add(() => client.close());
  return client;
}

const STRATEGIES: Array<[string, string[]]> = [
  ['sequential', []],
  ['--async', ['--async']],
  ['--threads 2', ['--threads', '2']],
  ['--processes 2', ['--processes', '2']],
];

describe.each(STRATEGIES)('%s', (_name, strategy) => {
  it('SIGTERM with an idle client connected: one line, the connection closed, exit 0', async () => {
    const cli = start(['--tcp', '127.0.0.1:0', ...strategy, './echo.mjs']);
    const client = await connect(cli);
    client.write('hi\n');
    expect(await client.line()).toMatch(/^hi from /); // its request is running, and idle
    expect(await cli.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(await client.rest()).toBe(''); // closed by the server, nothing more sent
    expect(cli.stderr).toBe('stopping: 1 running (signal again to force)\n');
  });

  it('SIGINT while a request is in hand: it finishes and is answered, exit 0', async () => {
    const cli = start(['--tcp', '127.0.0.1:0', ...strategy, './until-draining.mjs']);
    const client = await connect(cli);
    client.write('go\n');
    expect(await client.line()).toBe('started\n');
    cli.child.kill('SIGINT');
    // The handler answers only once the server started closing.
    expect(await client.line()).toBe('finished while draining\n');
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(cli.stderr).toBe('stopping: 1 running (signal again to force)\n');
  });
});

describe('a signal during start-up', () => {
  it('while the handler module hangs at import: stops at once, exit 0', async () => {
    const cli = start(['--tcp', '127.0.0.1:0', './hang-import.mjs']);
    await cli.stderrMatching(/^hang-import: importing in the server\n/);
    expect(await cli.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(cli.stdout).toBe('');
    expect(cli.stderr).toBe(
      'hang-import: importing in the server\nstopping: interrupted while importing the handler module\n',
    );
  });

  it('while a worker hangs importing the handler: the second signal forces it, exit 1', async () => {
    const cli = start(['--tcp', '127.0.0.1:0', '--threads', '1', './hang-import.mjs'], {
      HANG_IN: 'workers',
    });
    await cli.stderrMatching(/hang-import: importing in a runner\n/);
    cli.child.kill('SIGTERM');
    await cli.stderrMatching(/stopping: interrupted during start-up \(signal again to force\)\n/);
    // The server can't close while its worker is stuck loading the handler: only a force ends it.
    const forced = cli.running;
    const status = await cli.stop('SIGTERM');
    expect(status).toEqual({ code: forced ? 1 : 0, signal: null });
    expect(cli.stdout).toBe('');
  });

  it('an import slower than SOCKSERVE_SLOW_IMPORT_MS is warned about while it runs', async () => {
    const cli = start(['--tcp', '127.0.0.1:0', './hang-import.mjs'], {
      SOCKSERVE_SLOW_IMPORT_MS: '50',
    });
    const [warning] = await cli.stderrMatching(/sockserve: warning: .*\n/);
    expect(warning).toBe(
      'sockserve: warning: importing handler module ./hang-import.mjs has taken 50 ms so far; workers and children import it too: keep start-up work out of a handler module, or guard it with isMainThread / !isForkedChild()\n',
    );
    expect(await cli.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });

  it('an import that blocked the event loop is warned about after it', async () => {
    const cli = start(['--tcp', '127.0.0.1:0', './block-import.mjs'], {
      SOCKSERVE_SLOW_IMPORT_MS: '50',
      BLOCK_MS: '200',
    });
    await cli.listening();
    expect(cli.stderr).toMatch(
      /^sockserve: warning: importing handler module \.\/block-import\.mjs took \d+ ms; workers and children import it too/,
    );
    const took = Number(/took (\d+) ms/.exec(cli.stderr)?.[1]);
    expect(took).toBeGreaterThanOrEqual(200);
    expect(await cli.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });
});
