/**
 * Micro-benchmark: nanoseconds per header to parse (and encode) PROXY v1 and v2 headers,
 * the cost the server integration adds to each connection. Not part of the tests. Run after
 * a build: `pnpm --filter @sockserve/proxy-protocol build && node bench/parse.ts`
 * (from packages/proxy-protocol). Prints the median of 7 rounds for each case.
 */
import {
  encodeProxyHeader,
  ProxyHeaderParser,
  parseProxyHeader,
  sslTlv,
  tlv,
} from '@sockserve/proxy-protocol';

const DATA = Buffer.from('GET / HTTP/1.1\r\nHost: example\r\n\r\n');
const v4 = { family: 'IPv4', host: '203.0.113.7', port: 51234 } as const;
const v4d = { family: 'IPv4', host: '10.0.0.1', port: 443 } as const;
const v6 = { family: 'IPv6', host: '2001:db8:85a3::8a2e:370:7334', port: 51234 } as const;
const v6d = { family: 'IPv6', host: '2001:db8::1', port: 443 } as const;

const headers: [string, Buffer][] = [
  ['v1 TCP4', encodeProxyHeader({ version: 1, family: 'IPv4', source: v4, destination: v4d })],
  ['v1 TCP6', encodeProxyHeader({ version: 1, family: 'IPv6', source: v6, destination: v6d })],
  ['v2 TCP4', encodeProxyHeader({ version: 2, family: 'IPv4', source: v4, destination: v4d })],
  ['v2 TCP6', encodeProxyHeader({ version: 2, family: 'IPv6', source: v6, destination: v6d })],
  [
    'v2 TCP4 + TLVs + CRC32C (HAProxy TLS shape)',
    encodeProxyHeader({
      version: 2,
      family: 'IPv4',
      source: v4,
      destination: v4d,
      tlvs: [
        tlv(0x01, 'h2'),
        tlv(0x02, 'app.example.com'),
        tlv(0x05, '7F000001:9C42_7F000001:B359_6B0D04B2_0007'),
        sslTlv({
          client: 1,
          version: 'TLSv1.3',
          cipher: 'TLS_AES_256_GCM_SHA384',
          signatureAlgorithm: 'RSA-SHA256',
          keyAlgorithm: 'RSA2048',
        }),
      ],
      crc32c: true,
    }),
  ],
];

function measure(iterations: number, run: () => void): number {
  const rounds: number[] = [];
  for (let r = 0; r < 7; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) run();
    rounds.push(Number(process.hrtime.bigint() - start) / iterations);
  }
  rounds.sort((a, b) => a - b);
  return rounds[3]!;
}

const rows: [string, string, number][] = [];
for (const [name, header] of headers) {
  const input = Buffer.concat([header, DATA]);
  const iterations = 200_000;
  // Warm up every path first, so the JIT has seen them all.
  for (let i = 0; i < 50_000; i++) parseProxyHeader(input);
  rows.push([
    name,
    `${header.length} B, one chunk (parseProxyHeader)`,
    measure(iterations, () => parseProxyHeader(input)),
  ]);
  rows.push([
    name,
    'new ProxyHeaderParser().push(chunk)',
    measure(iterations, () => new ProxyHeaderParser().push(input)),
  ]);
  const bytes = Array.from(header, (b) => Buffer.from([b]));
  rows.push([
    name,
    'byte by byte',
    measure(20_000, () => {
      const parser = new ProxyHeaderParser();
      for (const b of bytes) parser.push(b);
    }),
  ]);
  rows.push([
    name,
    'encode',
    measure(iterations, () => encodeProxyHeader(parseProxyHeader(header).header)),
  ]);
}

// A reference on the same machine and moment, to read the figures against when it is loaded.
const json = '{"host":"203.0.113.7","port":51234,"family":"IPv4"}';
rows.push([
  'reference',
  'JSON.parse of a 51-byte object',
  measure(200_000, () => JSON.parse(json)),
]);

console.log(`node ${process.version}, ${process.arch}`);
for (const [name, mode, ns] of rows)
  console.log(`${name.padEnd(44)} ${mode.padEnd(40)} ${ns.toFixed(0).padStart(7)} ns`);
