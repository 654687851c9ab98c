/**
 * What `ThreadingMixIn` and `ForkingMixIn` share: a mixin server takes its strategy's options
 * in the server's own options bag (Python's mixin attributes), so the two option sets are
 * composed once, when the mixin is applied, and each construction checks the whole bag with
 * the composition before it creates the strategy or binds anything.
 */
import type { BaseServer } from './base-server.js';
import { InvalidOptionError } from './errors.js';
import type { AnyOptionSet } from './options/option-set.js';

/** Any server constructor. */
// biome-ignore lint/suspicious/noExplicitAny: a mixin applies to any server class.
export type AnyServerConstructor = new (...args: any[]) => BaseServer<any>;

/** Any server class a mixin can extend: a constructor with its declared `options`. */
export type MixableServerClass = AnyServerConstructor & { readonly options: AnyOptionSet };

/** A server constructor's parameters with `TOptions` added to its options bag. */
export type WithMixinOptions<P, TOptions> = P extends [infer A, infer H, (infer O)?]
  ? [A, H, (O & TOptions)?]
  : P;

/** What `Mixin(Base)` returns: `TBase` taking `TOptions` too, its instances with `TAttributes`. */
export type MixinServerClass<TBase extends MixableServerClass, TOptions, TAttributes> = Omit<
  TBase,
  'prototype'
> & {
  new (
    ...args: WithMixinOptions<ConstructorParameters<TBase>, TOptions>
  ): InstanceType<TBase> & TAttributes;
};

/** A server's options and a mixin's, composed (see {@link composeMixinOptions}). */
export interface MixinOptions {
  /** Both sets as one: what the mixin server class declares as its `options`. */
  readonly combined: AnyOptionSet;
  /** The mixin's options under the names the server takes them by. */
  readonly mixin: AnyOptionSet;
  /** Server name → strategy name, for options the mixin renames (`forkingMode` → `mode`). */
  readonly renames: Readonly<Record<string, string>>;
  /** Options the server and the strategy both take (the same declaration): one value, both get it. */
  readonly shared: readonly string[];
}

/**
 * Composes `server` (the base class's `options`) with `strategy` (the strategy's options),
 * `renames` giving strategy names a server name (`{ mode: 'forkingMode' }`). An option both
 * declare differently is refused now, when the mixin is applied.
 */
export function composeMixinOptions(
  mixinName: string,
  server: AnyOptionSet,
  strategy: AnyOptionSet,
  renames: Readonly<Record<string, string>> = {},
): MixinOptions {
  const mixin = strategy.renamed(mixinName, renames);
  const combined = server.with(`${server.where} with ${mixinName}`, mixin);
  const back: Record<string, string> = {};
  for (const [from, to] of Object.entries(renames)) back[to] = from;
  const shared = mixin.names.filter((name) => server.specs[name] !== undefined);
  return { combined, mixin, renames: back, shared };
}

/** The constructor arguments of a mixin server with its options bag checked and split. */
export interface SplitServerArgs {
  readonly address: unknown;
  readonly handler: unknown;
  /** Options for the strategy the mixin creates, under the strategy's names. */
  readonly own: Record<string, unknown>;
  /** Options for the base server (an option both take, such as `closeTimeout`, is in both). */
  readonly rest: Record<string, unknown>;
}

/**
 * Checks a mixin server's `(address, handler, options)` against `options.combined` — an
 * unknown name lists every option the server takes, transport, base and mixin — and splits
 * the bag. A mixin option given together with an explicit `strategy` would be dropped, so it
 * is refused: `InvalidOptionError` naming it.
 */
export function splitServerArgs(args: readonly unknown[], options: MixinOptions): SplitServerArgs {
  const [address, handler, bag = {}] = args as [unknown, unknown, unknown?];
  options.combined.resolve(bag);
  const given = bag as Record<string, unknown>;
  const own: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(given)) {
    const mine = options.mixin.specs[key] !== undefined;
    const shared = options.shared.includes(key);
    if (mine && !shared && value !== undefined && given.strategy !== undefined) {
      throw InvalidOptionError.because(
        key,
        `option "${key}" configures the strategy ${options.mixin.where} creates, so it can't be given with "strategy"; configure that strategy instead`,
      );
    }
    if (mine) own[options.renames[key] ?? key] = value;
    if (!mine || shared) rest[key] = value;
  }
  return { address, handler, own, rest };
}
