/**
 * What `ThreadingMixIn` and `ForkingMixIn` share: a mixin server takes its strategy's options
 * in the server's own options bag (Python's mixin attributes), so its constructor splits the
 * bag into the strategy's part and the rest, which goes to the base server.
 */

/** @internal The constructor arguments of a mixin server with its options bag split. */
export interface SplitServerArgs {
  readonly address: unknown;
  readonly handler: unknown;
  /** Options the strategy takes (renamed where `renames` says so). */
  readonly own: Record<string, unknown>;
  /** Everything else, for the base server. */
  readonly rest: Record<string, unknown>;
}

/**
 * Splits `(address, handler, options)`: keys in `names` go to `own` (a key in `renames` is
 * stored under its new name), the others to `rest`.
 * @internal
 */
export function splitServerArgs(
  args: readonly unknown[],
  names: readonly string[],
  renames: Readonly<Record<string, string>> = {},
): SplitServerArgs {
  const [address, handler, options = {}] = args as [unknown, unknown, Record<string, unknown>?];
  const own: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (names.includes(key)) own[renames[key] ?? key] = value;
    else rest[key] = value;
  }
  return { address, handler, own, rest };
}
