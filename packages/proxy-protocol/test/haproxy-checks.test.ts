/**
 * Real HAProxy health checks against a recording upstream. With `send-proxy-v2` on the
 * server line, HAProxy 2.6 opens every check with a 16-byte LOCAL header (`check-send-proxy`
 * or not): the spec says to use the connection's own addresses. With `send-proxy` (v1) a
 * check sends a TCP4 line of its own connection's addresses, indistinguishable from a
 * client. (A plain layer-4 check, with no `send-proxy*`, never reaches `accept()` on Linux:
 * HAProxy resets it before the handshake completes. A checker that connects and resets
 * after the accept is the integration's to count: `end()` then throws `truncated` with
 * `bytesReceived === 0`, tested in parser.test.ts.)
 */

import { type HaproxyPeer, startHaproxy } from '@sockserve/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { parseEveryWay } from './helpers/parse-every-way.js';
import { type Recorder, startRecorder } from './peers/recorder.js';

let recorder: Recorder | undefined;
let haproxy: HaproxyPeer | undefined;

afterEach(async () => {
  await haproxy?.stop();
  await recorder?.close();
  haproxy = undefined;
  recorder = undefined;
});

/** Starts HAProxy checking the recorder with `serverOptions`; returns the first check's bytes. */
async function firstCheck(serverOptions: string): Promise<Buffer> {
  recorder = await startRecorder();
  const upstream = { host: recorder.host, port: recorder.port };
  haproxy = await startHaproxy([{ name: 'checked', upstream, serverOptions }]);
  const check = await recorder.next();
  const bytes = await check.ended;
  if (process.env.SOCKSERVE_PRINT_FIXTURES) console.log(serverOptions, bytes.toString('hex'));
  return bytes;
}

describe('HAProxy health checks', () => {
  it('send-proxy-v2 + check-send-proxy: a 16-byte LOCAL header, nothing after it', async () => {
    const bytes = await firstCheck('send-proxy-v2 check check-send-proxy inter 100');
    const outcome = parseEveryWay(bytes);
    if (!outcome.ok) throw new Error(outcome.reason);
    expect(outcome.header).toMatchObject({
      version: 2,
      command: 'LOCAL',
      family: 'unspec',
      source: null,
      destination: null,
      byteLength: 16,
    });
    expect(outcome.rest.length).toBe(0);
  });

  it('send-proxy-v2 + check, without check-send-proxy: HAProxy 2.6 still sends LOCAL', async () => {
    const bytes = await firstCheck('send-proxy-v2 check inter 100');
    const outcome = parseEveryWay(bytes);
    if (!outcome.ok) throw new Error(outcome.reason);
    expect(outcome.header).toMatchObject({ version: 2, command: 'LOCAL', byteLength: 16 });
  });

  it('send-proxy + check, without check-send-proxy: a v1 line too', async () => {
    const bytes = await firstCheck('send-proxy check inter 100');
    const outcome = parseEveryWay(bytes);
    if (!outcome.ok) throw new Error(outcome.reason);
    expect(outcome.header).toMatchObject({ version: 1, command: 'PROXY', family: 'IPv4' });
  });

  it('send-proxy + check-send-proxy: a v1 line', async () => {
    const bytes = await firstCheck('send-proxy check check-send-proxy inter 100');
    const outcome = parseEveryWay(bytes);
    if (!outcome.ok) throw new Error(outcome.reason);
    expect(outcome.header.version).toBe(1);
    expect(outcome.header.source).toMatchObject({ family: 'IPv4', host: '127.0.0.1' });
    expect(outcome.rest.length).toBe(0);
  });
});
