/**
 * The health endpoints for balancers (issue 15): an HAProxy agent-check port answering
 * `up ready` / `drain` / `maint` and an HTTP readiness endpoint answering 200 / 503, each on its
 * own port, following the server through ready → draining → stopped. A port in use is a
 * `BindError` (code `ERR_SOCKSERVE_BIND`).
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import { LineClient, UpperLinesHandler } from '@sockserve/conformance';
import {
  AsyncStrategy,
  BindError,
  type HealthEndpoint,
  type HealthStatus,
  healthOf,
  type InetAddress,
  startAgentCheck,
  startReadiness,
} from '@sockserve/core';
import { afterEach, describe, expect, it } from 'vitest';
import { TCPServer } from '../src/index.js';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

const LOOPBACK = { host: '127.0.0.1', port: 0 };

async function serve(): Promise<TCPServer> {
  const server = await TCPServer.create(LOOPBACK, UpperLinesHandler, {
    strategy: new AsyncStrategy(),
  });
  cleanup.push(() => server.serverClose({ timeout: 0 }));
  server.serveForever().catch(() => {});
  return server;
}

async function endpoint(started: Promise<HealthEndpoint>): Promise<HealthEndpoint> {
  const health = await started;
  cleanup.push(() => health.close());
  return health;
}

/** Asks the agent-check port as HAProxy does: connect, read to the end. */
function askAgent(address: InetAddress): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(address.port, address.host);
    let answer = '';
    socket.setEncoding('utf8').on('data', (text: string) => (answer += text));
    socket.on('error', reject).on('end', () => resolve(answer));
  });
}

/** GETs the readiness endpoint: status code and body. */
function askReady(address: InetAddress, method = 'GET'): Promise<[number, string]> {
  return new Promise((resolve, reject) => {
    const req = request({ host: address.host, port: address.port, path: '/ready', method });
    req.on('error', reject);
    req.on('response', (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (text: string) => (body += text));
      response.on('end', () => resolve([response.statusCode ?? 0, body]));
    });
    req.end();
  });
}

describe('health endpoints follow the server', () => {
  it('agent-check: up ready → drain while draining → maint once stopped', async () => {
    const server = await serve();
    const agent = await endpoint(startAgentCheck(healthOf(server), LOOPBACK));
    expect(await askAgent(agent.address)).toBe('up ready\n');
    const drained = server.drain({ delay: 600_000 });
    expect(await askAgent(agent.address)).toBe('drain\n');
    await server.serverClose();
    await drained;
    expect(await askAgent(agent.address)).toBe('maint\n');
  });

  it('readiness: 200 while serving, 503 drain while draining, 503 maint once stopped; 405 for POST', async () => {
    const server = await serve();
    const ready = await endpoint(startReadiness(healthOf(server), LOOPBACK));
    expect(await askReady(ready.address)).toEqual([200, 'ready\n']);
    expect(await askReady(ready.address, 'POST')).toEqual([405, 'method not allowed\n']);
    const drained = server.drain({ delay: 600_000 });
    expect(await askReady(ready.address)).toEqual([503, 'drain\n']);
    // The server itself still serves during the delay.
    const client = await LineClient.connect(server.serverAddress);
    cleanup.push(async () => client.close());
    client.write('hi\n');
    expect(await client.line()).toBe('HI\n');
    await server.serverClose({ timeout: 0 });
    await drained;
    expect(await askReady(ready.address)).toEqual([503, 'maint\n']);
  });

  it("an operator's override wraps the probe", async () => {
    const server = await serve();
    let forced: HealthStatus | undefined = 'maint';
    const agent = await endpoint(startAgentCheck(() => forced ?? healthOf(server)(), LOOPBACK));
    expect(await askAgent(agent.address)).toBe('maint\n');
    forced = undefined;
    expect(await askAgent(agent.address)).toBe('up ready\n');
  });

  it('a port in use: BindError naming the address, and the first endpoint still answers', async () => {
    const server = await serve();
    const agent = await endpoint(startAgentCheck(healthOf(server), LOOPBACK));
    const taken = { host: '127.0.0.1', port: agent.address.port };
    for (const start of [startAgentCheck, startReadiness]) {
      const error = await start(healthOf(server), taken).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BindError);
      expect(error).toMatchObject({
        code: 'ERR_SOCKSERVE_BIND',
        address: `127.0.0.1:${taken.port}`,
        syscallCode: 'EADDRINUSE',
      });
    }
    expect(await askAgent(agent.address)).toBe('up ready\n');
  });
});
