/**
 * The listener shared by the health endpoints: a `node:net` or `node:http` server on its own
 * address, bound before it is returned (a port in use is a `BindError`), closed with
 * `close()`, which also ends the connections it holds.
 */
import type { Server } from 'node:net';
import { formatAddress, type InetAddress, type InetBindAddress, inetAddress } from '../address.js';
import { BindError } from '../errors.js';
import { optionalBoolean, optionalInteger, rejectUnknownOptions } from '../validate.js';

/** A running health endpoint. */
export interface HealthEndpoint {
  /** The bound address (port 0 resolved). */
  readonly address: InetAddress;
  /** Stops listening and ends its open connections. */
  close(): Promise<void>;
}

/** Options of the health endpoints. */
export interface HealthEndpointOptions {
  /**
   * Bind with `SO_REUSEPORT` (Node's `reusePort`, Linux and recent BSDs), so a restart's
   * successor can bind the same port while this process still answers. Default false.
   */
  readonly reusePort?: boolean;
}

/** Binds `server` on `address` and returns the endpoint. */
export async function listenEndpoint(
  server: Server,
  address: InetBindAddress,
  options: HealthEndpointOptions,
  closeConnections: () => void,
): Promise<HealthEndpoint> {
  rejectUnknownOptions('a health endpoint', options, ['reusePort']);
  const reusePort = optionalBoolean('reusePort', options.reusePort) ?? false;
  const host = address.host;
  optionalInteger('port', address.port, 0, 65535);
  const shown = formatAddress(address);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: host === '' ? undefined : host, port: address.port, reusePort }, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    throw new BindError(shown, error);
  }
  const bound = server.address() as { address: string; port: number };
  return {
    address: inetAddress(bound.address, bound.port),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        closeConnections();
      }),
  };
}
