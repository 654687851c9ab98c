/**
 * The options of one server or strategy, declared once ({@link defineOptions}) and composed
 * ({@link OptionSet.with}): a transport's options with the base server's, a mixin's with its
 * server's. A set checks a whole options bag at once — unknown names, every value, then the
 * checks that relate options — so a constructor can refuse bad options before it binds or
 * creates anything.
 */
import { InvalidOptionError } from '../errors.js';
import type { AnyOptionSpec, OptionSpec } from './option.js';

/** Declared options by name. */
export type OptionSpecs = Readonly<Record<string, AnyOptionSpec>>;

/** The options bag a caller passes: every declared option, optional. */
export type OptionsInput<S extends OptionSpecs> = {
  readonly [K in keyof S]?: S[K] extends OptionSpec<infer In, unknown> ? In : never;
};

/** The options once resolved: every declared option, with its default applied. */
export type ResolvedOptions<S extends OptionSpecs> = {
  -readonly [K in keyof S]: S[K] extends OptionSpec<unknown, infer Out> ? Out : never;
};

/** A check that relates several options (`minWorkers <= maxWorkers`); throws `InvalidOptionError`. */
export type OptionsCheck<S extends OptionSpecs> = (
  resolved: ResolvedOptions<S>,
  given: OptionsInput<S>,
) => void;

/** Any option set, whatever its declarations (what a server class's `options` is typed as). */
// biome-ignore lint/suspicious/noExplicitAny: any declarations.
export type AnyOptionSet = OptionSet<any>;

type UntypedCheck = (resolved: unknown, given: unknown) => void;

/** A set of declared options; see the module comment. */
export class OptionSet<S extends OptionSpecs = OptionSpecs> {
  /** Who takes these options, for error messages: `TCPServer`, `ThreadingStrategy`. */
  readonly where: string;
  /** The declarations. */
  readonly specs: S;
  /** The option names, in declaration order. */
  readonly names: readonly (keyof S & string)[];
  readonly #checks: readonly UntypedCheck[];

  constructor(where: string, specs: S, checks: readonly OptionsCheck<S>[] = []) {
    this.where = where;
    this.specs = specs;
    this.names = Object.keys(specs);
    this.#checks = checks as readonly UntypedCheck[];
  }

  /**
   * Checks a whole options bag — an unknown name (listing the known ones), then each value in
   * declaration order, then the relating checks — and returns it resolved, defaults applied.
   */
  resolve(options: unknown): ResolvedOptions<S> {
    const given = asBag(this.where, options);
    for (const key of Object.keys(given)) {
      if (!Object.hasOwn(this.specs, key)) {
        throw InvalidOptionError.unknown(key, this.where, this.names);
      }
    }
    return this.#resolveKnown(given);
  }

  /** Like {@link resolve}, but other names are left to whoever declared them. */
  read(options: unknown): ResolvedOptions<S> {
    return this.#resolveKnown(asBag(this.where, options));
  }

  /**
   * Sets this set's options, taken from `resolved` (a resolution of this set or of a
   * composition that includes it), as fields of `target`: a server's public option fields.
   */
  assign(target: object, resolved: ResolvedOptions<S>): void {
    for (const name of this.names) Object.assign(target, { [name]: resolved[name] });
  }

  /**
   * This set and `other` as one, for `where` (`TCPServer` = the base server's options and
   * TCP's). An option both declare is a conflict, refused here, unless both use the very same
   * declaration (a shared one such as `closeTimeout`): then one value serves both.
   */
  with<T extends OptionSpecs>(where: string, other: OptionSet<T>): OptionSet<S & T> {
    for (const name of other.names) {
      const mine: AnyOptionSpec | undefined = this.specs[name];
      if (mine !== undefined && mine !== (other.specs[name] as AnyOptionSpec)) {
        throw InvalidOptionError.because(
          name,
          `option "${name}" is declared twice, differently, by ${this.where} and ${other.where}: rename one`,
        );
      }
    }
    const specs = { ...this.specs, ...other.specs } as S & T;
    const checks = [...this.#checks, ...other.#checks];
    return new OptionSet(where, specs, checks);
  }

  /** The same declarations under other names (`mode` as `forkingMode`), without relating checks. */
  renamed(where: string, renames: Readonly<Record<string, string>>): AnyOptionSet {
    const specs: Record<string, AnyOptionSpec> = {};
    for (const name of this.names) specs[renames[name] ?? name] = this.specs[name] as AnyOptionSpec;
    return new OptionSet(where, specs);
  }

  #resolveKnown(given: Record<string, unknown>): ResolvedOptions<S> {
    const resolved: Record<string, unknown> = {};
    for (const name of this.names) {
      resolved[name] = (this.specs[name] as AnyOptionSpec).resolve(name, given[name]);
    }
    const typed = resolved as ResolvedOptions<S>;
    for (const check of this.#checks) check(typed, given);
    return typed;
  }
}

/**
 * Declares the options of `where`: one declaration per option (type, default, range, doc);
 * `checks` relate options to each other.
 *
 * ```ts
 * const TCP_OPTIONS = defineOptions('TCPServer', {
 *   noDelay: booleanOption({ default: false, doc: 'TCP_NODELAY on every accepted connection.' }),
 * });
 * ```
 */
export function defineOptions<const S extends OptionSpecs>(
  where: string,
  specs: S,
  ...checks: OptionsCheck<S>[]
): OptionSet<S> {
  return new OptionSet(where, specs, checks);
}

/**
 * A check that option `low` is at most option `high` (`minWorkers` <= `maxWorkers`); the
 * error names `low`.
 */
// biome-ignore lint/suspicious/noExplicitAny: fits any declarations with these two names.
export function atMost(low: string, high: string): OptionsCheck<any> {
  return (resolved: Record<string, unknown>) => {
    const [value, limit] = [resolved[low] as number, resolved[high] as number];
    if (value > limit) {
      throw new InvalidOptionError(low, `an integer from 0 to ${limit} (${high})`, value);
    }
  };
}

function asBag(where: string, options: unknown): Record<string, unknown> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidOptionError(where, 'an options object', options);
  }
  return options as Record<string, unknown>;
}
