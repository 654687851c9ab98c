/**
 * The successor's command line for a restart (SIGHUP): the same as ours with the address
 * option (`--tcp HOST:PORT`, `--unix fd:3`, `--systemd NAME`, …) replaced by `--systemd NAME`,
 * the inherited listening socket's name, so the successor adopts it through `LISTEN_FDS` the
 * way it would from systemd. Everything else (strategy, limits, handler module) is kept as given.
 */
import { parseArgs } from 'node:util';
import { OPTIONS } from './args.js';
import { STRATEGY_FLAGS } from './strategy.js';
import { TRANSPORTS } from './transports.js';

/** The options that say where to listen: every registered transport's flag, and `--systemd`. */
export const ADDRESS_OPTIONS: ReadonlySet<string> = new Set([
  ...TRANSPORTS.map((entry) => entry.name),
  'systemd',
]);

/** `argv` (as the command got it) with its address option replaced by `--systemd name`. */
export function successorArgs(argv: readonly string[], name: string): string[] {
  return withoutOptions(argv, ADDRESS_OPTIONS, [`--systemd=${name}`]);
}

/** `argv` without the options named in `drop` (and their values), `prepend` in front. */
export function withoutOptions(
  argv: readonly string[],
  drop: ReadonlySet<string>,
  prepend: readonly string[],
): string[] {
  const { tokens } = parseArgs({
    args: [...argv],
    options: { ...STRATEGY_FLAGS, ...OPTIONS },
    allowPositionals: true,
    strict: true,
    tokens: true,
  });
  const dropped = new Set<number>();
  for (const token of tokens) {
    if (token.kind !== 'option' || !drop.has(token.name)) continue;
    dropped.add(token.index);
    if (token.inlineValue === false) dropped.add(token.index + 1);
  }
  return [...prepend, ...argv.filter((_arg, index) => !dropped.has(index))];
}
