/**
 * The main job: starts every example server, talks to each with the Node client and with the
 * Python documentation's own client, prints the exchanges, and stops the servers with
 * SIGTERM (each must exit 0). Exits non-zero if anything did not answer as expected.
 *
 *   node examples/demo.ts
 */
import { examplePath, runClient, startExample } from './lib/spawn-example.ts';

const MESSAGE = ['hello', 'world', 'with', 'TCP'];
const EXPECTED = 'Received: HELLO WORLD WITH TCP';
let failures = 0;

function check(what: string, output: string): void {
  const ok = output.includes(EXPECTED);
  if (!ok) failures += 1;
  console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${what}`);
  for (const line of output.trimEnd().split('\n')) console.log(`       ${line}`);
}

for (const server of ['tcp-server.ts', 'tcp-stream-server.ts']) {
  const running = await startExample(server, ['--host', '127.0.0.1', '--port', '0']);
  console.log(`${server}: listening on ${running.address}`);
  const node = await runClient(process.execPath, [
    examplePath('tcp-client.ts'),
    '--host',
    '127.0.0.1',
    '--port',
    String(running.port),
    ...MESSAGE,
  ]);
  check('node examples/tcp-client.ts', node);
  const python = await runClient('python3', [examplePath('python/tcp_client.py'), ...MESSAGE], {
    SOCKSERVE_HOST: '127.0.0.1',
    SOCKSERVE_PORT: String(running.port),
  }).catch((error: Error) => `python3 client failed: ${error.message}`);
  check('python3 examples/python/tcp_client.py (the Python docs client)', python);
  const code = await running.stop('SIGTERM');
  if (code !== 0) failures += 1;
  console.log(`  server log: ${running.output.join(' | ')}`);
  console.log(`  SIGTERM -> exit code ${code}\n`);
}

console.log(failures === 0 ? 'demo: every exchange answered' : `demo: ${failures} failure(s)`);
process.exitCode = failures === 0 ? 0 : 1;
