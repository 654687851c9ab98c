/**
 * Drain behind a real HAProxy (issue 15): two sockserve servers, each with an agent-check
 * port, balanced round-robin. When one reports `drain`, new connections go to the other only
 * (counted); back to `up ready`, both get traffic again; `server.drain()` reports `drain` by
 * itself. With the command: SIGTERM to one server (`--drain-delay 1000`) while HAProxy sends
 * connection-per-request load → 0 failed client requests.
 */
import { once } from 'node:events';
import { AsyncStrategy, type HealthStatus, healthOf, startAgentCheck } from '@sockserve/core';
import { StreamRequestHandler } from '@sockserve/stream';
import { TCPServer } from '@sockserve/tcp';
import { afterEach, describe, expect, it } from 'vitest';
import { CliProcess, portOf } from './cli-process.js';
import { startBalancer } from './haproxy-balancer.js';
import { Teardown } from './helpers.js';
import { oneRequest, RequestLoop } from './request-loop.js';

const teardown = new Teardown();
afterEach(() => teardown.run());

const LOOPBACK = { host: '127.0.0.1', port: 0 };

/** A server answering every connection with its name, and its agent port with an override. */
async function namedServer(name: string) {
  const Handler = class extends StreamRequestHandler {
    override async handle() {
      await this.rfile.readline();
      await this.wfile.write(`${name}\n`);
    }
  };
  const server = await TCPServer.create(LOOPBACK, Handler, { strategy: new AsyncStrategy() });
  teardown.add(() => server.serverClose({ timeout: 0 }));
  server.serveForever().catch(() => {});
  const state: { forced: HealthStatus | undefined } = { forced: undefined };
  const probe = healthOf(server);
  const agent = await startAgentCheck(() => state.forced ?? probe(), LOOPBACK);
  teardown.add(() => agent.close());
  const upstream = { name, port: server.serverAddress.port, agentPort: agent.address.port };
  return { server, state, upstream };
}

/** `count` connections through the balancer, one after the other: how many each server answered. */
async function spread(port: number, count: number): Promise<Record<string, number>> {
  const seen: Record<string, number> = {};
  for (let i = 0; i < count; i++) {
    const answer = await oneRequest(port);
    seen[answer] = (seen[answer] ?? 0) + 1;
  }
  return seen;
}

/** Waits for a stdout line matching `pattern` (the health ports come after `listening on`). */
async function stdoutLine(cli: CliProcess, pattern: RegExp): Promise<RegExpExecArray> {
  for (;;) {
    const match = pattern.exec(cli.stdout);
    if (match !== null) return match;
    if (!cli.running) throw new Error(`sockserve ended: ${cli.stderr}`);
    await once(cli.child.stdout as NodeJS.ReadableStream, 'data');
  }
}

describe('HAProxy agent-check in front of two servers', () => {
  it('drain on one: new connections go to the other only; back to up: both get traffic', async () => {
    const a = await namedServer('a');
    const b = await namedServer('b');
    const balancer = await startBalancer([a.upstream, b.upstream]);
    teardown.add(() => balancer.stop());
    await balancer.until((s) => s.a === 'UP' && s.b === 'UP');
    expect(Object.keys(await spread(balancer.port, 10)).sort()).toEqual(['a', 'b']);

    a.state.forced = 'drain';
    await balancer.until((s) => s.a === 'DRAIN');
    expect(await spread(balancer.port, 20)).toEqual({ b: 20 });

    a.state.forced = undefined; // the agent answers `up ready` again
    await balancer.until((s) => s.a === 'UP' && s.b === 'UP');
    const both = await spread(balancer.port, 20);
    expect(both.a).toBeGreaterThan(0);
    expect(both.b).toBeGreaterThan(0);
    expect((both.a ?? 0) + (both.b ?? 0)).toBe(20);

    // server.drain() reports it by itself; the server still serves during the delay.
    const drained = a.server.drain({ delay: 600_000 });
    await balancer.until((s) => s.a === 'DRAIN');
    expect(await spread(balancer.port, 10)).toEqual({ b: 10 });
    await a.server.serverClose();
    expect(await drained).toMatchObject({ cut: 0, dropped: 0 });
  });

  it('the command: SIGTERM to one server under load through HAProxy → 0 failed requests', async () => {
    const start = () => {
      const cli = new CliProcess([
        'serve',
        '--tcp',
        '127.0.0.1:0',
        '--async',
        '--agent-port',
        '127.0.0.1:0',
        '--drain-delay',
        '1000',
        './pid.mjs',
      ]);
      teardown.add(() => cli.stop('SIGKILL'));
      return cli;
    };
    const clis = [start(), start()];
    const upstreams = await Promise.all(
      clis.map(async (cli, i) => ({
        name: `s${i}`,
        port: portOf(await cli.listening()),
        agentPort: portOf(
          ((await stdoutLine(cli, /agent-check on (\S+)\n/)) as string[])[1] as string,
        ),
      })),
    );
    const balancer = await startBalancer(upstreams);
    teardown.add(() => balancer.stop());
    await balancer.until((s) => s.s0 === 'UP' && s.s1 === 'UP');
    const load = new RequestLoop(balancer.port, 4);
    teardown.add(() => load.stop());
    await load.more(50);
    const [draining, staying] = clis as [CliProcess, CliProcess];
    expect(await draining.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(draining.stderr).toMatch(/^stopping: draining for 1000 ms, \d+ running/);
    await load.more(50);
    const result = await load.stop();
    expect(result.failed).toEqual([]);
    expect(result.byPid.get(String(draining.child.pid))).toBeGreaterThan(0);
    expect(result.byPid.get(String(staying.child.pid))).toBeGreaterThan(0);
    // After the drained one left, only the other answers.
    expect(await spread(balancer.port, 5)).toEqual({ [String(staying.child.pid)]: 5 });
  }, 60_000);
});
