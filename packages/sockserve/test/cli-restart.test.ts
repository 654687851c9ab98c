/**
 * Zero-downtime restart (issue 15): SIGHUP starts a successor with the listening socket
 * inherited (LISTEN_FDS, LISTEN_PID set by the exec wrapper, LISTEN_FDNAMES), waits until it
 * says it serves, then drains; the old process keeps accepting for --drain-delay 300 ms (both
 * accept from one queue meanwhile) before it closes. Under a connection-per-request load,
 * three restarts in a row lose no request. A server whose socket cannot be handed over
 * refuses the restart and goes on serving.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CliProcess, portOf } from './cli-process.js';
import { Teardown, tempDir } from './helpers.js';
import { oneRequest, RequestLoop } from './request-loop.js';
import { chainStderr, killChainInTeardown } from './restart-chain.js';

const teardown = new Teardown();
afterEach(() => teardown.run());

/** The pid in the `count`th `restarted: handed over to pid N` line, once it is there. */
async function handedOver(cli: CliProcess, count: number): Promise<number> {
  const pattern = new RegExp(`(?:[\\s\\S]*?restarted: handed over to pid (\\d+)){${count}}`);
  return Number((await chainStderr(cli, pattern))[1]);
}

function killChain(cli: CliProcess): void {
  killChainInTeardown(teardown, cli);
}

describe('SIGHUP: zero-downtime restart', () => {
  it('three restarts in a row under connection-per-request load: 0 failed requests, each successor serves', async () => {
    const cli = new CliProcess([
      'serve',
      '--tcp',
      '127.0.0.1:0',
      '--async',
      '--drain-delay',
      '300',
      './pid.mjs',
    ]);
    killChain(cli);
    const port = portOf(await cli.listening());
    const load = new RequestLoop(port, 4);
    teardown.add(() => load.stop());
    await load.more(20);
    let current = cli.child.pid as number;
    const chain = [current];
    for (let restart = 1; restart <= 3; restart++) {
      process.kill(current, 'SIGHUP');
      // The old process drained (300 ms of accepting alongside its successor) and is done.
      current = await handedOver(cli, restart);
      chain.push(current);
      await load.more(20);
    }
    const result = await load.stop();
    expect(result.failed).toEqual([]);
    // Every process served, and after the last hand-over only the last one did.
    for (const pid of chain) expect(result.byPid.get(String(pid)) ?? 0).toBeGreaterThan(0);
    expect(await oneRequest(port)).toBe(String(current));
    expect(cli.stderr).toMatch(/restarting: successor pid \d+ is ready; draining for 300 ms/);
    process.kill(current, 'SIGTERM');
    // 'close' comes once every process holding the command's stdout (the whole chain) exited.
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    await expect(oneRequest(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('a --unix PATH server cannot hand its socket file over: the restart is refused, it goes on serving', async () => {
    const path = `${tempDir()}/app.sock`;
    const cli = new CliProcess(['serve', '--unix', path, './pid.mjs']);
    killChain(cli);
    await cli.listening();
    process.kill(cli.child.pid as number, 'SIGHUP');
    await cli.stderrMatching(/restart failed: .*removes it when it closes.*; still serving\n/);
    const { connect } = await import('node:net');
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(path);
      let text = '';
      socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      socket.on('connect', () => socket.end('x\n')).on('error', reject);
      socket.on('close', () => resolve(text));
    });
    expect(answer).toBe(`${cli.child.pid}\n`);
    expect(await cli.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });
});
