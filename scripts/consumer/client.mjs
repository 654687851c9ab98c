// Starts server.mjs, waits for its listening line, sends one line with a Node client, checks
// the reply, stops the server with SIGTERM and checks it exited 0. Exit 1 on any mismatch.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';

const fail = (message) => {
  console.error(`consumer client: ${message}`);
  process.exitCode = 1;
};
const server = spawn(process.execPath, [new URL('./server.mjs', import.meta.url).pathname], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const guard = setTimeout(() => {
  fail('timed out');
  server.kill('SIGKILL');
}, 30_000);
const exited = once(server, 'exit');
try {
  const [line] = await Promise.race([
    once(createInterface({ input: server.stdout }), 'line'),
    exited.then(([code]) =>
      Promise.reject(new Error(`server exited with ${code} before listening`)),
    ),
  ]);
  const match = /^listening on 127\.0\.0\.1:(\d+)$/.exec(line);
  if (match === null) throw new Error(`unexpected first line: ${JSON.stringify(line)}`);
  const socket = connect({ host: '127.0.0.1', port: Number(match[1]) });
  socket.end('hello from a consumer\n');
  let reply = '';
  for await (const chunk of socket) reply += chunk;
  if (!/^HELLO FROM A CONSUMER \(worker \d+\)\n$/.test(reply)) {
    throw new Error(`unexpected reply: ${JSON.stringify(reply)}`);
  }
  console.log(`reply: ${reply.trim()}`);
} catch (error) {
  fail(error.message);
} finally {
  if (server.exitCode === null) server.kill('SIGTERM');
  const [code, signal] = await exited;
  clearTimeout(guard);
  if (code !== 0) fail(`server exit: code ${code}, signal ${signal}`);
  else console.log('server stopped on SIGTERM with exit code 0');
}
