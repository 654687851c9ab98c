/**
 * Who may send a PROXY header: core's CIDR matching (`accessControl`, IPv4, IPv6, IPv4-mapped
 * IPv6 checked as IPv4), or anyone with `'any'`.
 */
import { accessControl, type SocketAddress } from '@sockserve/core';
import type { ResolvedProxyProtocol } from './options.js';

/** A test of a peer's address against the option's `trusted` list. */
export function trustTest(config: ResolvedProxyProtocol): (peer: SocketAddress) => boolean {
  if (config.trusted === 'any') return () => true;
  const allowed = accessControl({ allow: config.trusted, unix: false });
  return (peer) => allowed(undefined, peer);
}
