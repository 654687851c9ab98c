/**
 * Where the command listens: the address flags of the registered transports (`transports.ts`)
 * or `--systemd NAME`, parsed into a {@link ListenRequest}. Exactly one is given; each value
 * is checked (host and port, socket path, `fd:N`) before anything is opened.
 */
import type { InetBindAddress } from '@sockserve/core';
import { parseDescriptor, parseHostPort, parseSocketPath } from './address.js';
import {
  type AdoptingTransport,
  findTransport,
  type InetTransport,
  type PathTransport,
  TRANSPORTS,
  type TransportKind,
  transportUsage,
} from './transports.js';
import { UsageError } from './usage-error.js';

/** Where to listen: Python's `server_address`, or an inherited socket (`--tcp fd:3`). */
export type ListenAddress =
  | { readonly transport: InetTransport; readonly address: InetBindAddress }
  | { readonly transport: PathTransport; readonly path: string }
  | { readonly transport: AdoptingTransport; readonly fd: number };

/** What the command line asks for: an address, or `--systemd NAME` (resolved at start). */
export type ListenRequest =
  | ListenAddress
  | { readonly transport: 'systemd'; readonly name: string };

/** The address flag given (Python's `server_address`), checked; a UsageError names a wrong one. */
export function parseListen(
  values: Partial<Record<TransportKind | 'systemd', string>>,
): ListenRequest {
  const names = [...TRANSPORTS.map((entry) => entry.name), 'systemd' as const];
  const given = names.filter((name) => values[name] !== undefined);
  if (given.length === 0) {
    const usages = [...TRANSPORTS.map(transportUsage), '--systemd NAME'];
    throw new UsageError(`no address given: use one of ${usages.join(', ')}`);
  }
  if (given.length > 1) {
    throw new UsageError(`give one address, not ${given.map((name) => `--${name}`).join(' and ')}`);
  }
  const transport = given[0] as TransportKind | 'systemd';
  const value = values[transport] as string;
  if (transport === 'systemd') {
    if (value === '' || value.includes(':')) {
      throw new UsageError(
        `--systemd ${JSON.stringify(value)}: expected a socket name from LISTEN_FDNAMES (FileDescriptorName=), not empty, no ":"`,
      );
    }
    return { transport, name: value };
  }
  const entry = findTransport(transport);
  if (value.startsWith('fd:')) {
    const fd = parseDescriptor(`--${transport}`, value);
    if (entry !== undefined && entry.adopts !== true) {
      throw new UsageError(
        `--${transport} ${JSON.stringify(value)}: ${entry.adopts.refusal}; give ${entry.address === 'inet' ? 'HOST:PORT' : 'a path'}`,
      );
    }
    return { transport: transport as AdoptingTransport, fd };
  }
  if (entry?.address === 'inet') {
    return {
      transport: transport as InetTransport,
      address: parseHostPort(`--${transport}`, value),
    };
  }
  return { transport: transport as PathTransport, path: parseSocketPath(`--${transport}`, value) };
}
