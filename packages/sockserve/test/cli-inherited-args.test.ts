/** `--tcp fd:N`, `--systemd NAME` and their errors, parsed and resolved in process. */
import { describe, expect, it } from 'vitest';
import { parseCommand } from '../src/cli/args.js';
import { resolveListen } from '../src/cli/inherited-listen.js';
import { UsageError } from '../src/cli/usage-error.js';

function usageError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('no error thrown');
}

describe('parsing', () => {
  it.each([
    ['--tcp', 'tcp'],
    ['--udp', 'udp'],
    ['--unix', 'unix'],
  ])('%s fd:3 is an inherited descriptor', (option, transport) => {
    const command = parseCommand(['serve', option, 'fd:3', 'h.mjs']);
    expect(command).toMatchObject({ listen: { transport, fd: 3 } });
  });

  it('--systemd NAME', () => {
    expect(parseCommand(['serve', '--systemd', 'web', 'h.mjs'])).toMatchObject({
      listen: { transport: 'systemd', name: 'web' },
    });
  });

  it('refuses a bad descriptor, an inherited Unix datagram socket, a bad name, two addresses', () => {
    expect(usageError(() => parseCommand(['serve', '--tcp', 'fd:x', 'h.mjs']))).toBe(
      '--tcp "fd:x": expected fd:N with N a descriptor number, e.g. fd:3',
    );
    expect(usageError(() => parseCommand(['serve', '--unix-dgram', 'fd:3', 'h.mjs']))).toBe(
      '--unix-dgram "fd:3": an inherited Unix datagram socket is not supported (node-unix-socket cannot adopt a descriptor); give a path',
    );
    expect(usageError(() => parseCommand(['serve', '--systemd', 'a:b', 'h.mjs']))).toBe(
      '--systemd "a:b": expected a socket name from LISTEN_FDNAMES (FileDescriptorName=), not empty, no ":"',
    );
    expect(
      usageError(() => parseCommand(['serve', '--systemd', 'web', '--tcp', 'fd:3', 'h.mjs'])),
    ).toBe('give one address, not --tcp and --systemd');
  });
});

describe('resolving --systemd', () => {
  it('without LISTEN_FDS, or with another LISTEN_PID, says why', () => {
    const request = { transport: 'systemd', name: 'web' } as const;
    expect(usageError(() => resolveListen(request, {}))).toBe(
      '--systemd "web": no such socket; LISTEN_FDS is not set: no sockets were passed (start it from a systemd .socket unit or systemd-socket-activate)',
    );
    const env = { LISTEN_FDS: '1', LISTEN_PID: String(process.pid + 1) };
    expect(usageError(() => resolveListen(request, env))).toBe(
      `--systemd "web": no such socket; LISTEN_PID is not this process (${process.pid}): the sockets were meant for another one`,
    );
    expect(env).toEqual({});
  });

  it('an address given as HOST:PORT leaves LISTEN_* alone', () => {
    const env = { LISTEN_FDS: '1', LISTEN_PID: String(process.pid) };
    const request = { transport: 'tcp', address: { host: '127.0.0.1', port: 0 } } as const;
    expect(resolveListen(request, env)).toBe(request);
    expect(env).toEqual({ LISTEN_FDS: '1', LISTEN_PID: String(process.pid) });
  });
});
