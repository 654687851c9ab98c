/**
 * The one strategy registry: every registered strategy is a command flag, a `--help` line and
 * a buildable strategy, with nothing else to edit.
 */
import { describe, expect, it } from 'vitest';
import { parseCommand } from '../src/cli/args.js';
import { HELP } from '../src/cli/help.js';
import { createStrategy } from '../src/cli/strategy.js';
import { UsageError } from '../src/cli/usage-error.js';
import { findStrategy, STRATEGIES } from '../src/index.js';

const serve = (...flags: string[]) => parseCommand(['serve', '--tcp', ':0', ...flags, 'h.mjs']);

describe('STRATEGIES', () => {
  it.each(STRATEGIES.map((entry) => [entry.name, entry] as const))(
    '%s: its flag chooses it, --help lists it, it builds',
    async (name, entry) => {
      const flags = !('flag' in entry) ? [] : entry.takesCount ? [entry.flag, '2'] : [entry.flag];
      const command = serve(...flags);
      expect(command).toMatchObject({ strategy: { name } });
      if ('flag' in entry) expect(HELP).toContain(entry.summary);
      const strategy = await createStrategy(
        (command as Extract<typeof command, { command: 'serve' }>).strategy,
      );
      expect(strategy.constructor.name).toMatch(/Strategy$/);
      await strategy.close();
    },
  );

  it('no flag is the first entry, sequential (Python default)', () => {
    expect(serve()).toMatchObject({ strategy: { name: STRATEGIES[0].name } });
    expect(findStrategy('sequential')).toBe(STRATEGIES[0]);
    expect(findStrategy('nope')).toBeUndefined();
  });

  it('two strategy flags, or --exec-argv without a runner strategy, are usage errors', () => {
    expect(() => serve('--async', '--threads', '2')).toThrow(
      new UsageError('choose one of --async, --threads'),
    );
    expect(() => serve('--async', '--exec-argv=--inspect')).toThrow(
      new UsageError(
        '--exec-argv sets Node options of workers and children: use it with --threads N or --processes N',
      ),
    );
    expect(serve('--processes', '2', '--exec-argv=--no-warnings  --trace-exit')).toMatchObject({
      strategy: { name: 'forking', count: 2, execArgv: ['--no-warnings', '--trace-exit'] },
    });
  });
});
