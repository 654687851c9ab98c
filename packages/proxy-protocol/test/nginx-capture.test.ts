/**
 * Real nginx bytes: nginx's stream module with `proxy_protocol on` (PROXY v1, the only
 * version nginx sends) relays a client to a recording upstream over IPv4 and IPv6; the
 * parser reads the line every way it can arrive and returns the client's data untouched.
 */

import { type NginxPeer, startNginx } from '@sockserve/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEveryWay } from './helpers/parse-every-way.js';
import { sendThrough } from './peers/client.js';
import { type Recorder, startRecorder } from './peers/recorder.js';

const PAYLOAD = 'hello through nginx\n';
let recorder: Recorder;
let nginx: NginxPeer;

beforeAll(async () => {
  recorder = await startRecorder();
  const upstream = { host: recorder.host, port: recorder.port };
  nginx = await startNginx([
    { name: 'v4', upstream },
    { name: 'v6', bindHost: '::1', upstream },
  ]);
});

afterAll(async () => {
  await nginx?.stop();
  await recorder?.close();
});

describe('nginx stream proxy_protocol on', () => {
  for (const [name, host, family] of [
    ['v4', '127.0.0.1', 'IPv4'],
    ['v6', '::1', 'IPv6'],
  ] as const) {
    it(`${family}: a v1 line with the client's address, then its data`, async () => {
      const port = nginx.ports[name]!;
      const client = await sendThrough(host, port, PAYLOAD);
      const upstream = await recorder.next();
      const bytes = await upstream.until((b) => b.includes(PAYLOAD));
      await client.close();
      upstream.socket.destroy();
      if (process.env.SOCKSERVE_PRINT_FIXTURES) {
        console.log(
          `nginx_${name}`,
          bytes.subarray(0, bytes.length - PAYLOAD.length).toString('hex'),
        );
      }
      const outcome = parseEveryWay(bytes);
      if (!outcome.ok) throw new Error(`${outcome.reason} at ${outcome.offset}`);
      expect(outcome.header).toMatchObject({ version: 1, command: 'PROXY', family });
      expect(outcome.header.source).toEqual({ family, host, port: client.localPort });
      expect(outcome.header.destination).toEqual({ family, host, port });
      expect(outcome.rest.toString()).toBe(PAYLOAD);
    });
  }
});
