/**
 * The command's health ports (issue 15): `--ready-port` answers 200, then 503 from the moment
 * SIGTERM arrives while the server still serves for `--drain-delay`; `--agent-port` on a fixed
 * port survives a SIGHUP restart (bound with SO_REUSEPORT, the successor takes it over; the test
 * holds that port from its own port-0 bind until the command binds it too, so no race); a
 * successor that fails to start leaves the old process serving, its health ports too.
 */

import { once } from 'node:events';
import { request } from 'node:http';
import { connect, createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CliProcess, portOf } from './cli-process.js';
import { Teardown } from './helpers.js';
import { oneRequest } from './request-loop.js';
import { chainStderr, killChainInTeardown } from './restart-chain.js';

const teardown = new Teardown();
afterEach(() => teardown.run());

function start(args: readonly string[]): CliProcess {
  const cli = new CliProcess(['serve', '--tcp', '127.0.0.1:0', '--async', ...args]);
  killChainInTeardown(teardown, cli);
  return cli;
}

/** The port of the `NAME on ADDRESS` line on stdout, once it is there. */
async function healthPort(cli: CliProcess, name: string): Promise<number> {
  await cli.listening();
  const pattern = new RegExp(`^${name} on (\\S+)$`, 'm');
  for (;;) {
    const match = pattern.exec(cli.stdout);
    if (match !== null) return portOf(match[1] as string);
    if (!cli.running) throw new Error(`sockserve ended: ${cli.stderr}`);
    await new Promise((resolve) => cli.child.stdout?.once('data', resolve));
  }
}

/**
 * A fixed loopback port, held here by a listener with SO_REUSEPORT (as the command binds its
 * health ports) until `release()`: the command binds it beside the holder, so no other
 * test's port-0 bind can take it in between — unlike a port found free and then closed.
 * Release it once the command listens there: before, no connection is made to it (the
 * kernel would spread connections over both listeners).
 */
async function heldPort(): Promise<{ port: number; release(): Promise<void> }> {
  const holder = createServer();
  holder.listen({ host: '127.0.0.1', port: 0, reusePort: true });
  await once(holder, 'listening');
  const release = () =>
    holder.listening
      ? new Promise<void>((resolve) => holder.close(() => resolve()))
      : Promise.resolve();
  teardown.add(release);
  return { port: (holder.address() as { port: number }).port, release };
}

function ready(port: number): Promise<[number, string]> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/ready' });
    req.on('error', reject);
    req.on('response', (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (text: string) => (body += text));
      response.on('end', () => resolve([response.statusCode ?? 0, body]));
    });
    req.end();
  });
}

function agent(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.setEncoding('utf8').on('data', (text: string) => (answer += text));
    socket.on('error', reject).on('end', () => resolve(answer));
  });
}

describe('the command’s health ports', () => {
  it('--ready-port: 200, then 503 at SIGTERM while the server still serves for --drain-delay', async () => {
    const cli = start(['--drain-delay', '600000', '--ready-port', '127.0.0.1:0', './pid.mjs']);
    const port = portOf(await cli.listening());
    const readyPort = await healthPort(cli, 'readiness');
    expect(await ready(readyPort)).toEqual([200, 'ready\n']);
    cli.child.kill('SIGTERM');
    await cli.stderrMatching(/^stopping: draining for 600000 ms, 0 running/);
    expect(await ready(readyPort)).toEqual([503, 'drain\n']);
    expect(await oneRequest(port)).toBe(String(cli.child.pid));
    // A second signal ends the delay and cuts: exit 1, as a forced stop.
    expect(await cli.stop('SIGTERM')).toEqual({ code: 1, signal: null });
    await expect(ready(readyPort)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('--agent-port on a fixed port survives a SIGHUP restart: the successor answers it', async () => {
    const { port: fixed, release } = await heldPort();
    const cli = start(['--agent-port', `127.0.0.1:${fixed}`, './pid.mjs']);
    const port = portOf(await cli.listening());
    expect(await healthPort(cli, 'agent-check')).toBe(fixed);
    await release(); // the command holds it now
    expect(await agent(fixed)).toBe('up ready\n');
    cli.child.kill('SIGHUP');
    const [, successor] = (await chainStderr(
      cli,
      /restarted: handed over to pid (\d+)\n/,
    )) as string[];
    expect(await agent(fixed)).toBe('up ready\n');
    expect(await oneRequest(port)).toBe(successor);
    process.kill(Number(successor), 'SIGTERM');
    expect(await cli.exited).toEqual({ code: 0, signal: null });
  });

  it('a successor that fails to start: the restart fails, the old process goes on serving', async () => {
    const cli = start(['--agent-port', '127.0.0.1:0', './broken-successor.mjs']);
    const port = portOf(await cli.listening());
    const agentPort = await healthPort(cli, 'agent-check');
    cli.child.kill('SIGHUP');
    await cli.stderrMatching(
      /restart failed: the successor exited before it was ready \(exit code 2\); still serving\n/,
    );
    expect(cli.stderr).toMatch(/the new version is broken/);
    expect(await oneRequest(port)).toBe(String(cli.child.pid));
    expect(await agent(agentPort)).toBe('up ready\n');
    expect(await cli.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });
});
