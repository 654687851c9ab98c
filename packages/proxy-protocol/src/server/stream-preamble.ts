/**
 * The PROXY header on a stream connection (TCP, Unix stream), as a connection preamble of
 * `@sockserve/core` (see `ConnectionPreamble`): it runs per connection before the request
 * queue. A peer not in `trusted` is refused at once, before a byte is read; a trusted one
 * must send a whole header within `headerTimeout` ms (one timer, cleared the moment the
 * header is complete — go-proxyproto's pitfall was a deadline left on the connection). What
 * follows the header is handed back, unread by anyone, for the handler.
 */
import type { Socket } from 'node:net';
import type { SocketAddress } from '@sockserve/core';
import type { ConnectionPreamble, PreambleOutcome } from '@sockserve/core/kit';
import { ProxyProtocolError } from '../errors.js';
import type { ProxyHeader } from '../header.js';
import { ProxyHeaderParser } from '../parser.js';
import type { ResolvedProxyProtocol } from './options.js';
import { trustTest } from './trust.js';

/**
 * The client address a header stands for: its source; the connection's own peer for LOCAL
 * (a health check) and for a header without addresses (v1 `UNKNOWN`, AF_UNSPEC), as the
 * spec says.
 */
export function headerClient(header: ProxyHeader, peer: SocketAddress): SocketAddress {
  if (header.command === 'LOCAL' || header.source === null) return peer;
  return Object.freeze({ ...header.source });
}

/** The preamble that reads a PROXY header; `name` `proxy` (`stats.proxyRejected`, `sockserve:proxy.rejected`). */
export function proxyHeaderPreamble(config: ResolvedProxyProtocol): ConnectionPreamble {
  const trusted = trustTest(config);
  return {
    name: 'proxy',
    run(socket, peer, signal) {
      if (!trusted(peer)) {
        // A peer reset before it was accepted has no address left (a checker that connects
        // and resets at once: HAProxy's checks do): a health check, not an untrusted peer.
        const gone = peer.family !== 'unix' && socket.remoteAddress === undefined;
        return Promise.resolve(
          gone
            ? { accept: false, reason: 'no-header', healthCheck: true }
            : { accept: false, reason: 'untrusted' },
        );
      }
      return readHeader(socket, peer, config, signal);
    },
  };
}

function readHeader(
  socket: Socket,
  peer: SocketAddress,
  config: ResolvedProxyProtocol,
  signal: AbortSignal,
): Promise<PreambleOutcome> {
  return new Promise((resolve) => {
    const parser = new ProxyHeaderParser({ versions: config.versions });
    const finish = (outcome: PreambleOutcome) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      signal.removeEventListener('abort', onAbort);
      socket.pause();
      resolve(outcome);
    };
    const onData = (chunk: Buffer) => {
      try {
        const result = parser.push(chunk);
        if (!result.done) return;
        const { header, rest } = result;
        finish({
          accept: true,
          clientAddress: headerClient(header, peer),
          info: { proxy: header },
          rest,
          healthCheck: header.command === 'LOCAL',
        });
      } catch (error) {
        finish(refusal(error));
      }
    };
    // The peer ended or reset: before any byte it is a health checker's connect-and-close.
    const onEnd = () => {
      if (parser.bytesReceived === 0) {
        finish({ accept: false, reason: 'no-header', healthCheck: true });
        return;
      }
      try {
        parser.end();
      } catch (error) {
        finish(refusal(error));
      }
    };
    const onAbort = () => finish({ accept: false, reason: 'closing' });
    const timer = setTimeout(
      () => finish({ accept: false, reason: 'timeout' }),
      config.headerTimeout,
    );
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
    signal.addEventListener('abort', onAbort, { once: true });
    socket.resume();
  });
}

function refusal(error: unknown): PreambleOutcome {
  if (error instanceof ProxyProtocolError) return { accept: false, reason: error.reason, error };
  return { accept: false, reason: 'error', error: error as Error };
}
