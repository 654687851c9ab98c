/**
 * An HTTP readiness endpoint on its own port (Kubernetes `readinessProbe.httpGet`, any
 * balancer's HTTP check): every GET or HEAD answers `200 ready` while the server serves and
 * `503` with the status (`drain`, `maint`) otherwise; other methods get 405. No Python
 * counterpart.
 */
import type { InetBindAddress } from '../address.js';
import {
  type HealthEndpoint,
  type HealthEndpointOptions,
  listenEndpoint,
} from './health-endpoint.js';
import type { HealthProbe } from './health-status.js';

/**
 * Starts the readiness endpoint on `address`, answering `probe()` at each request, e.g.
 * `startReadiness(healthOf(server), { host: '', port: 8081 })`. Rejects with `BindError`
 * when the address cannot be bound.
 */
export async function startReadiness(
  probe: HealthProbe,
  address: InetBindAddress,
  options: HealthEndpointOptions = {},
): Promise<HealthEndpoint> {
  // Imported here, not at the top: an ESM import of node:http builds its export facade, which
  // loads undici (fetch, WebSocket) and with it tls and crypto — ~50 ms of CPU in every process
  // that imports core, forking's per-request children included (issue 19).
  const { createServer } = await import('node:http');
  const server = createServer((request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' });
      response.end('method not allowed\n');
      return;
    }
    const status = probe();
    response.writeHead(status === 'ready' ? 200 : 503, {
      'content-type': 'text/plain',
      'cache-control': 'no-store',
    });
    response.end(`${status}\n`);
  });
  server.keepAliveTimeout = 1000;
  return listenEndpoint(server, address, options, () => server.closeAllConnections());
}
