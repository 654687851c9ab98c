/**
 * @sockserve/proxy-protocol: the PROXY protocol v1 and v2 (HAProxy's doc/proxy-protocol.txt),
 * an incremental parser and an encoder with no dependencies. See the README for the rules.
 *
 * @packageDocumentation
 */
export { crc32c, crc32cFinish, crc32cUpdate } from './crc32c.js';
export { encodeProxyHeader, type ProxyHeaderInput } from './encoder.js';
export {
  PROXY_HEADER_ERROR_CODE,
  PROXY_PROTOCOL_ERROR_REASONS,
  ProxyProtocolError,
  type ProxyProtocolErrorReason,
} from './errors.js';
export {
  PP2_CLIENT,
  PP2_SUBTYPE_SSL,
  PP2_TYPE,
  type ProxyAddress,
  type ProxyCommand,
  type ProxyFamily,
  type ProxyHeader,
  type ProxyInetAddress,
  type ProxySslInfo,
  type ProxyTlv,
  type ProxyTlvs,
  type ProxyTransport,
  type ProxyUnixAddress,
  V1_MAX_LENGTH,
  V2_MAX_LENGTH,
  V2_SIGNATURE,
} from './header.js';
export {
  DEFAULT_MAX_HEADER_BYTES,
  ProxyHeaderParser,
  type ProxyHeaderParserOptions,
  type ProxyParseResult,
  parseProxyHeader,
} from './parser.js';
export { encodeTlvs, type SslTlvInput, sslTlv, tlv } from './tlv.js';
export type { V1HeaderInput } from './v1.js';
export type { V2HeaderInput } from './v2.js';
