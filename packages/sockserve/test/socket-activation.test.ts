/**
 * Socket activation end to end: the real systemd-socket-activate binds, execs the sockserve
 * command with the sockets inherited, and socat is the client.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { ActivatedCommand, freePort, socat } from './activation-process.js';

/**
 * socat's wait for the server after its stdin ended. Stream exchanges end when the server
 * closes (the handler ends at the client's EOF), so this is only a ceiling: 5 s was passed
 * while the command still started on a loaded machine, and socat left with no reply.
 */
const STREAM_WAIT = '-t60';

const running: ActivatedCommand[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((command) => command.stop('SIGKILL')));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function activate(activateArgs: string[], serveArgs: string[]): ActivatedCommand {
  const command = new ActivatedCommand(activateArgs, serveArgs);
  running.push(command);
  return command;
}

/**
 * systemd-socket-activate on free loopback ports (one per host in `hosts`), listening on all
 * `listeners` of its `-l`. It needs port numbers up front, so another process may take one
 * between `freePort()` and its bind: it then exits with "Address already in use", and this
 * starts it again on new ports — decided by its output and its exit, never by a timeout.
 */
async function activateOnFreePorts(
  hosts: readonly string[],
  args: (ports: number[]) => [activateArgs: string[], serveArgs: string[]],
  listeners = 1,
): Promise<{ command: ActivatedCommand; ports: number[] }> {
  for (let attempt = 1; ; attempt += 1) {
    const ports = await Promise.all(hosts.map((host) => freePort(host)));
    const command = activate(...args(ports));
    try {
      await command.waitFor(/Listening on/, listeners);
      return { command, ports };
    } catch (error) {
      if (attempt === 5 || !/Address already in use/.test(command.output)) throw error;
    }
  }
}

describe('sockserve under systemd-socket-activate', () => {
  test('--systemd NAME serves the named TCP socket; the connection that activated it is answered', async () => {
    const { command, ports } = await activateOnFreePorts(['127.0.0.1'], ([port]) => [
      ['-l', `127.0.0.1:${port}`, '--fdname=web'],
      ['--systemd', 'web', './echo.mjs'],
    ]);
    const [port] = ports;
    const reply = await socat([STREAM_WAIT, '-', `TCP:127.0.0.1:${port}`], 'hello\n');
    expect(reply).toBe('hello from main\n');
    await command.waitFor(/listening on 127\.0\.0\.1:\d+/);
    expect(command.output).toContain(`listening on 127.0.0.1:${port}`);
    expect(await command.stop()).toBe(0);
    // The socket was not ours: nothing warned, nothing failed.
    expect(command.output).not.toMatch(/error|warn/i);
  });

  test('--udp fd:3 with --datagram: the datagram that caused the activation is answered', async () => {
    const { command, ports } = await activateOnFreePorts(['127.0.0.1'], ([port]) => [
      ['-l', `127.0.0.1:${port}`, '--datagram'],
      ['--udp', 'fd:3', './datagram.mjs#DatagramUpper'],
    ]);
    const [port] = ports;
    const reply = await socat(['-t5', '-', `UDP:127.0.0.1:${port}`], 'first');
    // socat has no end of a UDP reply: it waits out -t after stdin's EOF, so one exchange only.
    expect(reply).toBe('FIRST');
    expect(command.output).toContain(`listening on 127.0.0.1:${port}`);
  });

  // Three commands started at once, each its own ports and path (a port left free between two
  // runs could be taken meanwhile). The ceiling is for three Node start-ups on a loaded
  // machine: they took over 30 s in a row at load 38.
  test('several -l at once (TCP, Unix, TCP6): --systemd picks each by name', {
    timeout: 120_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sockserve-activation-'));
    dirs.push(dir);
    const picks = ['web4', 'local', 'web6'].map(async (name) => {
      const path = join(dir, `${name}.sock`);
      const { command, ports } = await activateOnFreePorts(
        ['127.0.0.1', '::1'],
        ([port4, port6]) => [
          [
            '-l',
            `127.0.0.1:${port4}`,
            '-l',
            path,
            '-l',
            `[::1]:${port6}`,
            '--fdname=web4:local:web6',
          ],
          ['--systemd', name, './echo.mjs'],
        ],
        3,
      );
      const [port4, port6] = ports;
      const target = {
        web4: `TCP:127.0.0.1:${port4}`,
        local: `UNIX-CONNECT:${path}`,
        web6: `TCP6:[::1]:${port6}`,
      }[name];
      const reply = await socat([STREAM_WAIT, '-', `${target}`], `to ${name}\n`);
      return { name, reply, status: await command.stop() };
    });
    expect(await Promise.all(picks)).toEqual([
      { name: 'web4', reply: 'to web4 from main\n', status: 0 },
      { name: 'local', reply: 'to local from main\n', status: 0 },
      { name: 'web6', reply: 'to web6 from main\n', status: 0 },
    ]);
  });

  test('--systemd with a name that was not passed is a usage error listing the names', async () => {
    const { command, ports } = await activateOnFreePorts(['127.0.0.1'], ([port]) => [
      ['-l', `127.0.0.1:${port}`, '--fdname=web'],
      ['--systemd', 'api', './echo.mjs'],
    ]);
    const [port] = ports;
    // The activating connection is closed by the exit; socat's read sees EOF.
    await socat([STREAM_WAIT, '-', `TCP:127.0.0.1:${port}`], '').catch(() => '');
    expect(await command.exited).toBe(2);
    expect(command.output).toContain(
      '--systemd "api": no such socket; the sockets passed are named "web"',
    );
  });

  test('--tcp fd:3 on an inherited UDP socket names the descriptor and what it is', async () => {
    const { command, ports } = await activateOnFreePorts(['127.0.0.1'], ([port]) => [
      ['-l', `127.0.0.1:${port}`, '--datagram'],
      ['--tcp', 'fd:3', './echo.mjs'],
    ]);
    const [port] = ports;
    await socat(['-t1', '-', `UDP:127.0.0.1:${port}`], 'x').catch(() => '');
    expect(await command.exited).toBe(2);
    expect(command.output).toContain(
      `fd 3 is a UDP socket bound to 127.0.0.1:${port}; TCPServer needs a listening TCP socket`,
    );
  });

  test('--systemd NAME on a Unix socket with a --proxy-protocol CIDR list is a usage error at start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sockserve-activate-'));
    dirs.push(dir);
    const path = join(dir, 'web.sock');
    const command = activate(
      ['-l', path, '--fdname=web'],
      ['--systemd', 'web', '--proxy-protocol', '127.0.0.1/32', './echo.mjs'],
    );
    await command.waitFor(/Listening on/);
    await socat([STREAM_WAIT, '-', `UNIX-CONNECT:${path}`], '').catch(() => '');
    expect(await command.exited).toBe(2);
    expect(command.output).toContain(
      '--proxy-protocol "127.0.0.1/32": with --unix (--systemd web) write "any" (a Unix peer has no address to trust)',
    );
  });
});
