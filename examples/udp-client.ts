/**
 * The Python documentation's UDP client: one datagram out, one back.
 *
 *   node examples/udp-client.ts --port 9999 hello world
 */
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { isIPv6 } from 'node:net';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '9999' },
  },
  allowPositionals: true,
});
const data = positionals.join(' ');

// SOCK_DGRAM is the socket type to use for UDP sockets
const sock = createSocket(isIPv6(values.host) ? 'udp6' : 'udp4');
// As you can see, there is no connect() call; UDP has no connections.
// Instead, data is directly sent to the recipient via sendto().
sock.send(`${data}\n`, Number(values.port), values.host);
const [received] = (await once(sock, 'message')) as [Buffer];
sock.close();

console.log(`Sent:     ${data}`);
console.log(`Received: ${received.toString('utf8')}`);
