/**
 * The one transport registry (`cli/transports.ts`): every registered transport is an address
 * flag, a `--help` line and a server the command opens, with nothing else to edit — and the
 * help the registry writes is byte for byte `fixtures/help.txt` (captured from the hand-written
 * text before the registry; a flag added since updates the fixture in the same commit).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCommand } from '../src/cli/args.js';
import { HELP } from '../src/cli/help.js';
import { startServer } from '../src/cli/open-server.js';
import { findTransport, TRANSPORTS, transportUsage } from '../src/cli/transports.js';
import { UsageError } from '../src/cli/usage-error.js';
import { FIXTURES, runCli } from './cli-process.js';
import { removeTempDirs, tempDir } from './helpers.js';

const ECHO = { module: new URL('./fixtures/echo.mjs', import.meta.url).href };
const DATAGRAM = {
  module: new URL('./fixtures/datagram.mjs', import.meta.url).href,
  export: 'DatagramUpper',
};

describe('TRANSPORTS', () => {
  it('--help is byte-identical to fixtures/help.txt', async () => {
    const before = readFileSync(join(FIXTURES, 'help.txt'), 'utf8');
    expect(`${HELP}\n`).toBe(before);
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(before);
  });

  it.each(TRANSPORTS.map((entry) => [entry.name, entry] as const))(
    '%s: its flag chooses it, --help lists it, it opens a server',
    async (name, entry) => {
      expect(HELP).toContain(`  ${transportUsage(entry).padEnd(23)}${entry.summary}\n`);
      const value = entry.address === 'inet' ? '127.0.0.1:0' : join(tempDir(), 's.sock');
      const command = parseCommand(['serve', `--${name}`, value, 'h.mjs']);
      expect(command).toMatchObject({ listen: { transport: name } });
      const listen = (command as Extract<typeof command, { command: 'serve' }>).listen;
      if (listen.transport === 'systemd') throw new Error('not an address');
      const handler = entry.kind === 'stream' ? ECHO : DATAGRAM;
      const { server, ready } = await startServer({ listen, handler });
      try {
        await ready;
        expect(server.transportKind).toBe(entry.kind);
      } finally {
        await server.serverClose();
        removeTempDirs();
      }
    },
  );

  it('the address usage error lists every registered flag; an unknown name finds none', () => {
    const usages = [...TRANSPORTS.map(transportUsage), '--systemd NAME'].join(', ');
    expect(() => parseCommand(['serve', 'h.mjs'])).toThrow(
      new UsageError(`no address given: use one of ${usages}`),
    );
    expect(findTransport('tcp')).toBe(TRANSPORTS[0]);
    expect(findTransport('sctp')).toBeUndefined();
  });
});
