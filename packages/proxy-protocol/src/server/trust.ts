/**
 * Who may send a PROXY header: core's CIDR matching (`accessControl`, IPv4, IPv6, IPv4-mapped
 * IPv6 checked as IPv4), or anyone with `'any'`. Behind a load balancer the same few peers
 * connect over and over, so answers are remembered per address (a bounded cache: the CIDR
 * test validates and parses the address every time, ~1 µs of a connection's budget).
 */
import { accessControl, type SocketAddress } from '@sockserve/core';
import type { ResolvedProxyProtocol } from './options.js';

/** Addresses remembered before the cache starts over (a scan from many addresses). */
const CACHE_LIMIT = 1024;

/** A test of a peer's address against the option's `trusted` list. */
export function trustTest(config: ResolvedProxyProtocol): (peer: SocketAddress) => boolean {
  if (config.trusted === 'any') return () => true;
  const allowed = accessControl({ allow: config.trusted, unix: false });
  const known = new Map<string, boolean>();
  // The last answer, checked first: behind one balancer every connection has the same peer.
  let lastHost = '';
  let lastAnswer = false;
  return (peer) => {
    if (peer.family === 'unix') return allowed(undefined, peer);
    const host = peer.host;
    if (host === lastHost) return lastAnswer;
    let answer = known.get(host);
    if (answer === undefined) {
      answer = allowed(undefined, peer);
      if (known.size >= CACHE_LIMIT) known.clear();
      known.set(host, answer);
    }
    lastHost = host;
    lastAnswer = answer;
    return answer;
  };
}
