/**
 * The main job: starts every example server, talks to each with the Node client and the
 * Python documentation's own client (python3), prints the exchanges, and stops the servers
 * with SIGTERM (each must exit 0). Exits non-zero if anything did not answer as expected.
 *
 *   node examples/demo.ts
 */
import { EXAMPLE_CASES, removeSocketDirs } from './lib/cases.ts';
import { examplePath, runClient, startExample } from './lib/spawn-example.ts';

let failures = 0;

for (const example of EXAMPLE_CASES) {
  const running = await startExample(example.server, example.serverArgs());
  console.log(`${example.server}: listening on ${running.address}`);
  for (const client of example.clients(running.address)) {
    const output = await runClient(client.command, client.args, client.env).catch(
      (error: Error) => `client failed: ${error.message}`,
    );
    const ok = output.includes(example.expected);
    if (!ok) failures += 1;
    console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${client.label}`);
    for (const line of output.trimEnd().split('\n')) console.log(`       ${line}`);
  }
  const code = await running.stop('SIGTERM');
  if (code !== 0) failures += 1;
  console.log(`  server printed: ${running.output.join(' | ')}`);
  console.log(`  SIGTERM -> exit code ${code}\n`);
}

// Self-contained examples: they start their own server and clients, like the Python docs'.
for (const example of ['threaded-tcp.ts']) {
  const output = await runClient(process.execPath, [examplePath(example)]).catch(
    (error: Error) => `failed: ${error.message}`,
  );
  const ok = (output.match(/^Received: /gm) ?? []).length === 3;
  if (!ok) failures += 1;
  console.log(`${example}: ${ok ? 'ok' : 'FAIL'}`);
  for (const line of output.trimEnd().split('\n')) console.log(`       ${line}`);
}

removeSocketDirs();
console.log(failures === 0 ? 'demo: every exchange answered' : `demo: ${failures} failure(s)`);
process.exitCode = failures === 0 ? 0 : 1;
