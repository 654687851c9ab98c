/**
 * The PROXY header on datagrams (spec 3.4): every datagram from a trusted source starts with
 * a whole v2 header (`transport: 'dgram'`) and the rest is the payload. One call per
 * datagram; nothing is kept between datagrams.
 */
import type { SocketAddress, TransportStats } from '@sockserve/core';
import { preambleRejectedChannel } from '@sockserve/core/kit';
import { ProxyProtocolError } from '../errors.js';
import type { ProxyHeader } from '../header.js';
import { parseProxyHeader } from '../parser.js';
import type { ResolvedProxyProtocol } from './options.js';
import { headerClient } from './stream-preamble.js';
import { trustTest } from './trust.js';

/** What {@link proxyDatagramReader} decided about one datagram. */
export type ProxyDatagramOutcome =
  | {
      readonly accept: true;
      /** The header's source (the sender itself for LOCAL or an address-less header). */
      readonly clientAddress: SocketAddress;
      /** The datagram after the header. */
      readonly payload: Buffer;
      readonly header: ProxyHeader;
    }
  | { readonly accept: false; readonly reason: string; readonly error?: ProxyProtocolError };

/**
 * Reads the header off each datagram: untrusted senders and bad headers are refused. The
 * sender is an IP address (UDP) or a Unix path (Unix datagram; trusted only as `'any'`).
 */
export function proxyDatagramReader(
  config: ResolvedProxyProtocol,
): (data: Buffer, sender: SocketAddress) => ProxyDatagramOutcome {
  const trusted = trustTest(config);
  const versions = config.versions;
  return (data, sender) => {
    if (!trusted(sender)) return { accept: false, reason: 'untrusted' };
    try {
      const { header, rest } = parseProxyHeader(data, { versions });
      return {
        accept: true,
        clientAddress: headerClient(header, sender),
        payload: rest,
        header,
      };
    } catch (error) {
      if (error instanceof ProxyProtocolError)
        return { accept: false, reason: error.reason, error };
      throw error;
    }
  };
}

/**
 * A refused datagram: counted in `stats.proxyRejected` and published on
 * `sockserve:proxy.rejected` (`{ address, clientAddress, reason, error }`); the caller drops it.
 */
export function rejectProxyDatagram(
  stats: TransportStats,
  address: SocketAddress | undefined,
  sender: SocketAddress,
  outcome: Extract<ProxyDatagramOutcome, { accept: false }>,
): void {
  stats.proxyRejected = (stats.proxyRejected ?? 0) + 1;
  const channel = preambleRejectedChannel('proxy');
  if (channel.hasSubscribers) {
    const { reason, error } = outcome;
    channel.publish({ address, clientAddress: sender, reason, error });
  }
}
