/**
 * A handler that crashes its process (SIGSEGV, as a faulty native addon does): under forking
 * only its own request fails and every other client is answered; under threading the whole
 * server dies with it — the figure behind "handlers that may crash the process: use forking".
 */
import { LineClient } from '@sockserve/conformance';
import { afterEach, expect, it } from 'vitest';
import { CliProcess, portOf } from './cli-process.js';
import { Teardown } from './helpers.js';

const teardown = new Teardown();
afterEach(() => teardown.run());

const GOOD_CLIENTS = 20;

async function serveCrashHandler(option: string) {
  const cli = new CliProcess(['serve', '--tcp', '127.0.0.1:0', option, '2', './crash.mjs']);
  teardown.add(() => cli.stop('SIGKILL'));
  const port = portOf(await cli.listening());
  const connect = async () => {
    const client = await LineClient.connect({ family: 'IPv4', host: '127.0.0.1', port });
    teardown.add(() => client.close());
    return client;
  };
  return { cli, connect };
}

it(`--processes 2: a SIGSEGV fails only its own request; ${GOOD_CLIENTS} other clients are answered`, async () => {
  const { cli, connect } = await serveCrashHandler('--processes');
  const steady = await connect();
  steady.write('before\n');
  expect(await steady.line()).toMatch(/^ok \d+\n$/);
  const crashing = await connect();
  crashing.write('crash\n');
  expect(await crashing.rest()).toBe(''); // its child died: closed, no answer
  await cli.stderrMatching(/was killed by SIGSEGV/);
  steady.write('after\n');
  expect(await steady.line()).toMatch(/^ok \d+\n$/); // the other child is untouched
  let answered = 0;
  for (let i = 0; i < GOOD_CLIENTS; i += 1) {
    const client = await connect();
    client.write(`good ${i}\n`);
    if (/^ok \d+\n$/.test(await client.line())) answered += 1;
    client.close();
  }
  expect(answered).toBe(GOOD_CLIENTS);
  steady.close();
  expect(await cli.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  // The crash is reported once through handleError (the request that failed) and a warning.
  expect(cli.stderr.match(/Exception occurred during processing of request/g)).toHaveLength(1);
  expect(cli.stderr).toContain('RunnerExitError');
});

it('--threads 2: a SIGSEGV in one worker kills the whole server, every connection with it', async () => {
  const { cli, connect } = await serveCrashHandler('--threads');
  const steady = await connect();
  steady.write('before\n');
  expect(await steady.line()).toMatch(/^ok \d+\n$/);
  const crashing = await connect();
  crashing.write('crash\n');
  expect(await cli.exited).toEqual({ code: null, signal: 'SIGSEGV' });
  expect(await crashing.rest()).toBe('');
  expect(await steady.rest()).toBe(''); // the good client's connection died too
});
