/**
 * What the command prints (issue 13, items 7 and 8): a line per request with --verbose, only
 * errors with --quiet, one line for a client's reset instead of a stack, and a handler
 * module's syntax error located by file, line and column.
 */
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LineClient } from '@sockserve/conformance';
import { afterEach, describe, expect, it } from 'vitest';
import { CliProcess, portOf, runCli } from './cli-process.js';
import { removeTempDirs, Teardown, tempDir } from './helpers.js';

const teardown = new Teardown();
afterEach(async () => {
  await teardown.run();
  removeTempDirs();
});

function start(args: readonly string[]): CliProcess {
  const cli = new CliProcess(['serve', ...args]);
  teardown.add(() => cli.stop('SIGKILL'));
  return cli;
}

async function connectTo(cli: CliProcess): Promise<LineClient> {
  const port = portOf(await cli.listening());
  const client = await LineClient.connect({ family: 'IPv4', host: '127.0.0.1', port });
  teardown.add(() => client.close());
  return client;
}

const TRACEBACK =
  /^-{40}\nException occurred during processing of request from 127\.0\.0\.1:\d+\nError: refused boom\n(?:.*\n)*?-{40}\n/;

describe('--verbose', () => {
  it('a line per request: client address, duration, bytes in and out', async () => {
    const cli = start(['--tcp', '127.0.0.1:0', '--verbose', './echo.mjs']);
    const client = await connectTo(cli);
    const clientPort = client.socket.localPort;
    client.write('hello\n');
    expect(await client.line()).toBe('hello from main\n');
    client.socket.end();
    const [line] = await cli.stderrMatching(/^request from .*\n/m);
    expect(line).toMatch(
      new RegExp(
        `^request from 127\\.0\\.0\\.1:${clientPort}: \\d+\\.\\d ms, 6 bytes in, 16 bytes out\\n$`,
      ),
    );
    expect(await cli.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });

  it('a failed request: the traceback, then its line with the error', async () => {
    const cli = start(['--tcp', '127.0.0.1:0', '--verbose', './fail.mjs']);
    const client = await connectTo(cli);
    client.write('boom\n');
    expect(await client.rest()).toBe('');
    await cli.stderrMatching(/^request from .*\n/m);
    expect(await cli.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    const [traceback = ''] = TRACEBACK.exec(cli.stderr) ?? [];
    expect(traceback).not.toBe('');
    expect(cli.stderr.slice(traceback.length)).toMatch(
      /^request from 127\.0\.0\.1:\d+: \d+\.\d ms, 5 bytes in, 0 bytes out, failed: Error: refused boom\nstopping: 0 running \(signal again to force\)\n$/,
    );
  });
});

it('--quiet: only the error on stderr (the listening line stays on stdout)', async () => {
  const cli = start(['--tcp', '127.0.0.1:0', '--quiet', './fail.mjs']);
  const client = await connectTo(cli);
  client.write('boom\n');
  expect(await client.rest()).toBe('');
  await cli.stderrMatching(/-{40}\n$/);
  expect(await cli.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  expect(cli.stdout).toMatch(/^listening on 127\.0\.0\.1:\d+\n$/);
  expect(cli.stderr).toMatch(new RegExp(`${TRACEBACK.source}$`));
});

describe.each([
  ['sequential', []],
  ['--threads 1', ['--threads', '1']],
  ['--processes 1', ['--processes', '1']],
])('a client that resets mid-reply (%s)', (_name, strategy) => {
  it('is one line with its address, not a stack trace', async () => {
    const cli = start(['--tcp', '127.0.0.1:0', ...strategy, './flood.mjs']);
    const client = await connectTo(cli);
    const clientPort = client.socket.localPort;
    client.write('go\n');
    await once(client.socket, 'data'); // the reply is flowing
    client.socket.resetAndDestroy();
    await cli.stderrMatching(/the connection during its request/);
    expect(await cli.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(cli.stderr).toMatch(
      new RegExp(
        `^client 127\\.0\\.0\\.1:${clientPort} (?:reset the connection during its request \\(ECONNRESET\\)|closed the connection during its request \\(EPIPE\\))\\nstopping: 0 running \\(signal again to force\\)\\n$`,
      ),
    );
  });
});

describe('a syntax error in the handler module', () => {
  const SOURCE = '// line 1\n\nexport default class Broken {\n  handle() { const x = ; }\n}\n';

  it('names the file, line and column', async () => {
    const file = join(tempDir(), 'bad.mjs');
    writeFileSync(file, SOURCE);
    const { code, stdout, stderr } = await runCli(['serve', '--tcp', '127.0.0.1:0', file]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `sockserve: cannot import handler module ${file}: SyntaxError: Unexpected token ';' (${file}:4:24)\n`,
    );
  });

  it('in a module it imports: names that module', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'bad.mjs'), SOURCE);
    writeFileSync(join(dir, 'outer.mjs'), "export { default } from './bad.mjs';\n");
    const outer = join(dir, 'outer.mjs');
    const { code, stderr } = await runCli(['serve', '--tcp', '127.0.0.1:0', outer]);
    expect(code).toBe(2);
    expect(stderr).toBe(
      `sockserve: cannot import handler module ${outer}: SyntaxError: Unexpected token ';' (${join(dir, 'bad.mjs')}:4:24)\n`,
    );
  });
});
