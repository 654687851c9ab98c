/**
 * Real HAProxy bytes: HAProxy (Debian's, in the foreground) relays a client to a recording
 * upstream with `send-proxy`, `send-proxy-v2`, the v2 TLV options and TLS termination, and
 * the parser must read exactly what it sent — whole, byte by byte, split anywhere — and hand
 * back the client's data untouched. The static table in fixtures/captured.ts holds bytes
 * captured this way, for the tests that run without HAProxy.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type HaproxyListen,
  type HaproxyPeer,
  selfSignedPem,
  startHaproxy,
} from '@sockserve/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PP2_TYPE } from '../src/index.js';
import { parseEveryWay } from './helpers/parse-every-way.js';
import { sendThrough } from './peers/client.js';
import { type Recorder, startRecorder } from './peers/recorder.js';

const PAYLOAD = 'hello through the proxy\n';
let recorder: Recorder;
let haproxy: HaproxyPeer;
let certDir: string;

const V2_OPTIONS = 'crc32c,unique-id,authority,ssl,cert-cn,ssl-cipher,cert-sig,cert-key';

beforeAll(async () => {
  recorder = await startRecorder();
  certDir = await mkdtemp(join(tmpdir(), 'sockserve-cert-'));
  const pem = await selfSignedPem(certDir, 'proxy.test');
  const up = { host: recorder.host, port: recorder.port };
  const listens: HaproxyListen[] = [
    { name: 'v1_tcp4', upstream: up, serverOptions: 'send-proxy' },
    { name: 'v1_tcp6', bindHost: '::1', upstream: up, serverOptions: 'send-proxy' },
    { name: 'v2_tcp4', upstream: up, serverOptions: 'send-proxy-v2' },
    { name: 'v2_tcp6', bindHost: '::1', upstream: up, serverOptions: 'send-proxy-v2' },
    {
      name: 'v2_tlvs',
      upstream: up,
      serverOptions: `send-proxy-v2 proxy-v2-options ${V2_OPTIONS}`,
      lines: ['unique-id-format %{+X}o\\ %ci:%cp_%fi:%fp_%Ts_%rt'],
    },
    { name: 'v2_ssl_cn', upstream: up, serverOptions: 'send-proxy-v2-ssl-cn' },
    {
      name: 'v2_tls',
      bindOptions: `ssl crt ${pem} alpn h2,http/1.1`,
      upstream: up,
      serverOptions: `send-proxy-v2-ssl-cn proxy-v2-options ${V2_OPTIONS}`,
      lines: ['unique-id-format %{+X}o\\ %ci:%cp_%fi:%fp_%Ts_%rt'],
    },
  ];
  haproxy = await startHaproxy(listens);
});

afterAll(async () => {
  await haproxy?.stop();
  await recorder?.close();
  if (certDir) await rm(certDir, { recursive: true, force: true });
});

/** Relays one client through the named front; returns what the upstream received. */
async function capture(name: string, host: string, tls?: { servername: string; alpn: string[] }) {
  const port = haproxy.ports[name]!;
  const client = await sendThrough(host, port, PAYLOAD, tls);
  const upstream = await recorder.next();
  const bytes = await upstream.until((b) => b.includes(PAYLOAD));
  await client.close();
  upstream.socket.destroy();
  if (process.env.SOCKSERVE_PRINT_FIXTURES) {
    console.log(name, bytes.subarray(0, bytes.length - PAYLOAD.length).toString('hex'));
  }
  const outcome = parseEveryWay(bytes);
  if (!outcome.ok) throw new Error(`${name}: ${outcome.reason} at ${outcome.offset}`);
  expect(outcome.rest.toString()).toBe(PAYLOAD);
  const { header } = outcome;
  expect(header.command).toBe('PROXY');
  expect(header.transport).toBe('stream');
  expect(header.source).toEqual({
    family: host === '::1' ? 'IPv6' : 'IPv4',
    host,
    port: client.localPort,
  });
  expect(header.destination).toEqual({ family: header.source!.family, host, port });
  return header;
}

describe('HAProxy send-proxy (v1)', () => {
  it('TCP4: the client address and the front, then the client data', async () => {
    const header = await capture('v1_tcp4', '127.0.0.1');
    expect(header.version).toBe(1);
  });
  it('TCP6 over ::1', async () => {
    const header = await capture('v1_tcp6', '::1');
    expect(header.version).toBe(1);
  });
});

describe('HAProxy send-proxy-v2', () => {
  it('TCP over IPv4, no TLVs', async () => {
    const header = await capture('v2_tcp4', '127.0.0.1');
    expect(header).toMatchObject({ version: 2, family: 'IPv4', byteLength: 28 });
    expect(header.tlvs.all).toEqual([]);
  });
  it('TCP over IPv6, no TLVs', async () => {
    const header = await capture('v2_tcp6', '::1');
    expect(header).toMatchObject({ version: 2, family: 'IPv6', byteLength: 52 });
  });
  it('proxy-v2-options: a CRC32C the parser verifies, the unique ID, an empty SSL TLV', async () => {
    const header = await capture('v2_tlvs', '127.0.0.1');
    expect(header.tlvs.all.map((t) => t.type)).toEqual([
      PP2_TYPE.CRC32C,
      PP2_TYPE.UNIQUE_ID,
      PP2_TYPE.SSL,
    ]);
    expect(typeof header.tlvs.crc32c).toBe('number');
    expect(header.tlvs.uniqueId!.toString()).toMatch(/^7F000001:[0-9A-F]{4}_7F000001:/);
    expect(header.tlvs.ssl).toMatchObject({ client: 0, ssl: false, subTlvs: [] });
  });
  it('send-proxy-v2-ssl-cn on a plain connection: the SSL TLV says "not TLS"', async () => {
    const header = await capture('v2_ssl_cn', '127.0.0.1');
    expect(header.tlvs.ssl).toMatchObject({ client: 0, ssl: false });
  });
  it('TLS terminated by HAProxy: ALPN, authority (SNI) and the SSL sub-TLVs', async () => {
    const header = await capture('v2_tls', '127.0.0.1', {
      servername: 'app.proxy.test',
      alpn: ['h2'],
    });
    const { tlvs } = header;
    expect(tlvs.alpn?.toString()).toBe('h2');
    expect(tlvs.authority).toBe('app.proxy.test');
    expect(typeof tlvs.crc32c).toBe('number');
    expect(tlvs.ssl).toMatchObject({ ssl: true, certInConnection: false });
    expect(tlvs.ssl!.version).toMatch(/^TLSv1\.[23]$/);
    expect(tlvs.ssl!.cipher).toMatch(/^[A-Z0-9_-]+$/);
    expect(tlvs.ssl!.signatureAlgorithm).toMatch(/SHA256/i);
    expect(tlvs.ssl!.keyAlgorithm).toMatch(/RSA2048/);
  });
});
