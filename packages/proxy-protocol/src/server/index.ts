/**
 * The server side: the `proxyProtocol` option of `@sockserve/tcp`, `@sockserve/unix` (stream
 * and datagram) and `@sockserve/udp`, and what they run with it.
 */
export {
  type ProxyDatagramOutcome,
  proxyDatagramReader,
  rejectProxyDatagram,
} from './datagram.js';
export {
  DEFAULT_HEADER_TIMEOUT,
  isProxyProtocolOptions,
  type ProxyProtocolOptions,
  type ProxyServerKind,
  proxyProtocolOption,
  type ResolvedProxyProtocol,
  resolveProxyProtocol,
} from './options.js';
export { proxyRunnerPreamble, proxyTrustPreamble } from './runner-parse.js';
export { headerClient, proxyHeaderPreamble } from './stream-preamble.js';
