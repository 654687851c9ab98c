/**
 * Free loopback ports for peers that cannot listen on port 0 and report it (HAProxy and
 * nginx take their ports from a config file). We bind port 0, read the port the kernel
 * chose, and close: another process could take it before the peer binds, so the peer
 * helpers retry with fresh ports when the peer fails to bind.
 */
import { createServer } from 'node:net';

/** A port that was free on `host` a moment ago. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, resolve);
  });
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
