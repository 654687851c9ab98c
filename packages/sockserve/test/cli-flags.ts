/**
 * The command's flags parsed without running anything, for the flag tests: `serve` with a TCP
 * address and a handler module around the flags under test, and the usage error a bad flag
 * gives (exit status 2 when run).
 */
import { expect } from 'vitest';
import { parseCommand } from '../src/cli/args.js';

/** `sockserve serve --tcp 127.0.0.1:0 FLAGS h.mjs`, parsed. */
export const parseServe = (...flags: string[]) =>
  parseCommand(['serve', '--tcp', '127.0.0.1:0', ...flags, 'h.mjs']);

/** Matches the `UsageError` with `message` (a string or a matcher). */
export const usageError = (message: unknown) =>
  expect.objectContaining({ name: 'UsageError', message });

/** Each `[flags, message]`: parsing `serve … FLAGS …` throws the usage error `message`. */
export function expectUsageErrors(cases: ReadonlyArray<readonly [readonly string[], unknown]>) {
  for (const [flags, message] of cases)
    expect(() => parseServe(...flags), flags.join(' ')).toThrow(usageError(message));
}
