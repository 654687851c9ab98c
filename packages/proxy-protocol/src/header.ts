/**
 * The parsed PROXY header. Addresses have the shapes of `@sockserve/core`'s `InetAddress`
 * and `UnixAddress` (declared again here, structurally identical, so this package needs no
 * dependency): a header's `source` can be used wherever sockserve takes a client address.
 */

/** An IPv4 or IPv6 socket address, as `@sockserve/core`'s `InetAddress`. */
export interface ProxyInetAddress {
  readonly family: 'IPv4' | 'IPv6';
  /** Canonical text form: dotted quad, or RFC 5952 IPv6 (lower case, `::` compressed). */
  readonly host: string;
  readonly port: number;
}

/** A Unix-domain socket address, as `@sockserve/core`'s `UnixAddress`. */
export interface ProxyUnixAddress {
  readonly family: 'unix';
  /** The path; a Linux abstract name starts with `\0`; `''` when the sender sent none. */
  readonly path: string;
}

/** An address carried by a PROXY header. */
export type ProxyAddress = ProxyInetAddress | ProxyUnixAddress;

/** `PROXY`: relayed on behalf of a client. `LOCAL`: the proxy's own connection (health check). */
export type ProxyCommand = 'PROXY' | 'LOCAL';

/** The address family of the relayed connection; `unspec` for v1 `UNKNOWN` and v2 AF_UNSPEC. */
export type ProxyFamily = 'IPv4' | 'IPv6' | 'unix' | 'unspec';

/** The transport of the relayed connection: SOCK_STREAM, SOCK_DGRAM, or unspecified. */
export type ProxyTransport = 'stream' | 'dgram' | 'unspec';

/** One v2 TLV as it came on the wire: type byte and value bytes. */
export interface ProxyTlv {
  readonly type: number;
  readonly value: Buffer;
}

/** The `PP2_TYPE_SSL` TLV: how the client reached the proxy over TLS. */
export interface ProxySslInfo {
  /** The `client` bit field (`PP2_CLIENT_*`). */
  readonly client: number;
  /** The `verify` field: 0 when the client presented a certificate and it verified. */
  readonly verify: number;
  /** `PP2_CLIENT_SSL`: the client connected over TLS. */
  readonly ssl: boolean;
  /** `PP2_CLIENT_CERT_CONN`: a client certificate on this connection. */
  readonly certInConnection: boolean;
  /** `PP2_CLIENT_CERT_SESS`: a client certificate at least once in this TLS session. */
  readonly certInSession: boolean;
  /** `PP2_SUBTYPE_SSL_VERSION`, e.g. `TLSv1.3`. */
  readonly version?: string;
  /** `PP2_SUBTYPE_SSL_CN`: the client certificate's Common Name. */
  readonly commonName?: string;
  /** `PP2_SUBTYPE_SSL_CIPHER`, e.g. `ECDHE-RSA-AES128-GCM-SHA256`. */
  readonly cipher?: string;
  /** `PP2_SUBTYPE_SSL_SIG_ALG`, e.g. `SHA256`. */
  readonly signatureAlgorithm?: string;
  /** `PP2_SUBTYPE_SSL_KEY_ALG`, e.g. `RSA2048`. */
  readonly keyAlgorithm?: string;
  /** `PP2_SUBTYPE_SSL_GROUP` (newer spec), e.g. `X25519`. */
  readonly group?: string;
  /** `PP2_SUBTYPE_SSL_SIG_SCHEME` (newer spec), e.g. `rsa_pss_rsae_sha256`. */
  readonly signatureScheme?: string;
  /** `PP2_SUBTYPE_SSL_CLIENT_CERT` (newer spec): the client certificate, DER. */
  readonly clientCertificate?: Buffer;
  /** Every sub-TLV in wire order, known ones included, raw. */
  readonly subTlvs: readonly ProxyTlv[];
}

/** The TLVs of a v2 header: every one raw, the registered ones also decoded. */
export interface ProxyTlvs {
  /** Every TLV in wire order, raw (NOOP and unknown types included): what a relay forwards. */
  readonly all: readonly ProxyTlv[];
  /** `PP2_TYPE_ALPN`: the negotiated application protocol, e.g. `h2`. */
  readonly alpn?: Buffer;
  /** `PP2_TYPE_AUTHORITY`: the host name the client asked for (TLS SNI), UTF-8. */
  readonly authority?: string;
  /** `PP2_TYPE_CRC32C`: the checksum (already verified by the parser). */
  readonly crc32c?: number;
  /** `PP2_TYPE_UNIQUE_ID`: the proxy's opaque connection id, at most 128 bytes. */
  readonly uniqueId?: Buffer;
  /** `PP2_TYPE_NETNS`: the network namespace name. */
  readonly netns?: string;
  /** `PP2_TYPE_SSL`, decoded. */
  readonly ssl?: ProxySslInfo;
}

/**
 * A parsed PROXY header. `source` is the real client, `destination` the address the client
 * connected to. They are `null` when the header carries no address (v1 `UNKNOWN`, v2
 * AF_UNSPEC, a LOCAL header whose length leaves no room for one). With `command: 'LOCAL'`
 * or a `null` source, the spec says to use the connection's own addresses.
 */
export interface ProxyHeader {
  readonly version: 1 | 2;
  readonly command: ProxyCommand;
  readonly family: ProxyFamily;
  readonly transport: ProxyTransport;
  readonly source: ProxyAddress | null;
  readonly destination: ProxyAddress | null;
  /** v2 TLVs; for v1 always `{ all: [] }`. */
  readonly tlvs: ProxyTlvs;
  /** How many bytes the header took on the wire. */
  readonly byteLength: number;
}

/** The 12-byte v2 signature, for the parser and encoder (not exported by the package). */
export const SIGNATURE: Buffer = Buffer.from([
  0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
]);

/** The 12-byte v2 signature (a copy: changing it changes nothing in the parser). */
export const V2_SIGNATURE: Buffer = Buffer.from(SIGNATURE);

/** The longest v1 line, CRLF included (spec 2.1). */
export const V1_MAX_LENGTH = 107;

/** The largest possible v2 header: 16 fixed bytes and a 16-bit length. */
export const V2_MAX_LENGTH = 16 + 0xffff;

/** Registered v2 TLV types (spec 2.2). */
export const PP2_TYPE = Object.freeze({
  ALPN: 0x01,
  AUTHORITY: 0x02,
  CRC32C: 0x03,
  NOOP: 0x04,
  UNIQUE_ID: 0x05,
  SSL: 0x20,
  NETNS: 0x30,
});

/** Registered sub-types inside `PP2_TYPE_SSL` (spec 2.2.6). */
export const PP2_SUBTYPE_SSL = Object.freeze({
  VERSION: 0x21,
  CN: 0x22,
  CIPHER: 0x23,
  SIG_ALG: 0x24,
  KEY_ALG: 0x25,
  GROUP: 0x26,
  SIG_SCHEME: 0x27,
  CLIENT_CERT: 0x28,
});

/** Bits of the SSL TLV's `client` field. */
export const PP2_CLIENT = Object.freeze({ SSL: 0x01, CERT_CONN: 0x02, CERT_SESS: 0x04 });
