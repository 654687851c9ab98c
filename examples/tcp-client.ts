/**
 * The Python documentation's TCP client: sends its arguments as one line and prints what it
 * sent and what came back.
 *
 *   node examples/tcp-client.ts --port 9999 hello world with TCP
 */
import { once } from 'node:events';
import { connect } from 'node:net';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  options: {
    host: { type: 'string', default: 'localhost' },
    port: { type: 'string', default: '9999' },
  },
  allowPositionals: true,
});
const data = positionals.join(' ');

// Create a socket (SOCK_STREAM means a TCP socket)
const sock = connect({ host: values.host, port: Number(values.port) });
await once(sock, 'connect');
// Connect to server and send data
sock.write(`${data}\n`);
// Receive data from the server and shut down
const chunks: Buffer[] = [];
for await (const chunk of sock) chunks.push(chunk as Buffer);
const received = Buffer.concat(chunks).toString('utf8');

console.log(`Sent:     ${data}`);
console.log(`Received: ${received}`);
