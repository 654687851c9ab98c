/**
 * The PROXY benches' client side (`proxy-overhead.ts`, `proxy-callgrind.ts`): one connection per
 * exchange, its request sent plain or behind the same PROXY v2 header.
 */
import { connect } from 'node:net';
import { encodeProxyHeader } from '@sockserve/proxy-protocol';

/** A PROXY v2 header as a load balancer in front of the server would send it. */
const header = encodeProxyHeader({
  version: 2,
  family: 'IPv4',
  source: { family: 'IPv4', host: '203.0.113.7', port: 51234 },
  destination: { family: 'IPv4', host: '203.0.113.8', port: 443 },
});

/** The request line: the echo server answers it with 5 bytes. */
export const payload = Buffer.from('ping\n');

/** The request line behind the PROXY v2 header. */
export const withHeader = Buffer.concat([header, payload]);

/** One connection: connect, send `data`, read the 5-byte reply, close. */
export function exchange(port: number, data: Buffer): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => socket.end(data));
    let got = 0;
    socket.on('data', (chunk: Buffer) => {
      got += chunk.length;
    });
    socket.once('close', () => (got === 5 ? resolve() : reject(new Error(`reply ${got} bytes`))));
    socket.once('error', reject);
  });
}
