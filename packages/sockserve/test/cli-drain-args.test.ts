/**
 * `--drain-delay`, `--agent-port`, `--ready-port` parsed, with their errors; and the
 * successor's command line for a restart (the address option becomes `--systemd NAME`,
 * everything else stays as given).
 */
import { describe, expect, it } from 'vitest';
import { parseCommand } from '../src/cli/args.js';
import { successorArgs } from '../src/cli/successor-args.js';
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

const BASE = ['serve', '--tcp', '127.0.0.1:0'];

describe('drain and health options', () => {
  it('--drain-delay MS, --agent-port PORT (every interface), --ready-port HOST:PORT', () => {
    const command = parseCommand([
      ...BASE,
      '--drain-delay',
      '5000',
      '--agent-port',
      '9100',
      '--ready-port=127.0.0.1:8081',
      'h.mjs',
    ]);
    expect(command).toMatchObject({
      drainDelay: 5000,
      agentPort: { host: '', port: 9100 },
      readyPort: { host: '127.0.0.1', port: 8081 },
    });
  });

  it('none given: no delay and no health ports', () => {
    const command = parseCommand([...BASE, 'h.mjs']);
    expect(command).toMatchObject({ drainDelay: 0 });
    expect(command).not.toHaveProperty('agentPort');
    expect(command).not.toHaveProperty('readyPort');
  });

  it.each([
    [
      ['--drain-delay=-1'],
      '--drain-delay "-1": expected a whole number of milliseconds (0 or more)',
    ],
    [
      ['--drain-delay', '1.5s'],
      '--drain-delay "1.5s": expected a whole number of milliseconds (0 or more)',
    ],
    [['--agent-port', '70000'], '--agent-port ":70000": port 70000 is out of range (0 to 65535)'],
    [
      ['--ready-port', 'localhost'],
      '--ready-port "localhost": no port (expected HOST:PORT, e.g. 127.0.0.1:8000, [::1]:8000 or :8000)',
    ],
  ])('%j: %s', (args, message) => {
    expect(usageError(() => parseCommand([...BASE, ...args, 'h.mjs']))).toBe(message);
  });
});

describe("a restart's successor arguments", () => {
  it.each([
    [
      ['serve', '--tcp', '127.0.0.1:0', '--async', './h.mjs'],
      ['--systemd=sockserve', 'serve', '--async', './h.mjs'],
    ],
    [
      ['serve', '--tcp=[::1]:8000', '--threads', '2', 'h.mjs#H'],
      ['--systemd=sockserve', 'serve', '--threads', '2', 'h.mjs#H'],
    ],
    [
      ['--quiet', 'serve', '--unix', 'fd:3', 'h.mjs'],
      ['--systemd=sockserve', '--quiet', 'serve', 'h.mjs'],
    ],
    [
      ['serve', '--systemd', 'web', '--drain-delay', '300', 'h.mjs'],
      ['--systemd=sockserve', 'serve', '--drain-delay', '300', 'h.mjs'],
    ],
  ])('%j → %j', (argv, expected) => {
    expect(successorArgs(argv, 'sockserve')).toEqual(expected);
  });

  it('keeps the name it is given (the one systemd passed)', () => {
    expect(successorArgs(['serve', '--systemd', 'web', 'h.mjs'], 'web')).toEqual([
      '--systemd=web',
      'serve',
      'h.mjs',
    ]);
  });
});
