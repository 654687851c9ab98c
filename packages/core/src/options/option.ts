/**
 * One option, declared once: what it accepts, its default, its range and its documentation.
 * From a declaration come the TypeScript type of the option, its check (an
 * {@link InvalidOptionError} naming it), its default and its row in the README's options
 * table. Python has no counterpart: `socketserver` reads class attributes unchecked.
 */
import { InvalidOptionError } from '../errors.js';

/**
 * A declared option. `In` is what a caller may pass, `Out` what the server holds once the
 * default is applied (`undefined` stays possible where there is no default).
 */
export interface OptionSpec<In, Out> {
  /** What the option does, one sentence or two (the README's "meaning" column). */
  readonly doc: string;
  /** The default as the README shows it, e.g. `` `30000` `` or `the OS maximum`. */
  readonly defaultText: string;
  /** What a valid value is, as error messages say it: `an integer >= 1`. */
  readonly expected: string;
  /** A value this option refuses: lets a test walk every option with a bad value. */
  readonly invalidSample: unknown;
  /**
   * Checks `value` (`undefined` = not given) and returns it with the default applied. Throws
   * {@link InvalidOptionError} naming `name` with {@link expected}.
   */
  resolve(name: string, value: unknown): Out;
  /** @internal Carries `In` for the types; never set. */
  readonly input?: In;
}

/** Any declared option. */
// biome-ignore lint/suspicious/noExplicitAny: a spec of any input and output type.
export type AnyOptionSpec = OptionSpec<any, any>;

/** The parts of a declaration every kind shares. */
export interface Declared<T> {
  /** See {@link OptionSpec.doc}. */
  readonly doc: string;
  /** The default, or a function computing it when the option is resolved (e.g. the OS backlog). */
  readonly default?: T | (() => T);
  /** See {@link OptionSpec.defaultText}; derived from `default` when that is a plain value. */
  readonly defaultText?: string;
}

/** Builds a spec from a type test: the shared core of every kind below. */
export function option<In, Out>(parts: {
  readonly doc: string;
  readonly expected: string;
  readonly invalidSample: unknown;
  readonly accepts: (value: unknown) => boolean;
  readonly default: (() => unknown) | undefined;
  readonly defaultText: string;
}): OptionSpec<In, Out> {
  const { accepts, default: fallback, ...shown } = parts;
  return {
    ...shown,
    resolve(name: string, value: unknown): Out {
      if (value === undefined) return fallback?.() as Out;
      if (!accepts(value)) throw new InvalidOptionError(name, shown.expected, value);
      return value as Out;
    },
  };
}

function defaults<T>(declared: Declared<T>, fallbackText = '—') {
  const value = declared.default;
  const compute =
    value === undefined
      ? undefined
      : typeof value === 'function'
        ? (value as () => T)
        : () => value;
  const text =
    declared.defaultText ??
    (value === undefined || typeof value === 'function' ? fallbackText : showValue(value));
  return { default: compute, defaultText: text };
}

function showValue(value: unknown): string {
  if (typeof value === 'string') return `\`'${value}'\``;
  if (value === Number.POSITIVE_INFINITY) return 'no limit';
  return `\`${String(value)}\``;
}

/** What the builders return: `Out` includes `undefined` unless the declaration has a default. */
export type WithDefault<D, T> = D extends { readonly default: unknown } ? T : T | undefined;

/** An integer in `[min, max]` (`max` defaults to no bound). */
export function integerOption<const D extends Declared<number> & { min: number; max?: number }>(
  declared: D,
): OptionSpec<number, WithDefault<D, number>> {
  const { min, max = Number.MAX_SAFE_INTEGER } = declared;
  return option({
    doc: declared.doc,
    expected: integerExpected(min, max),
    invalidSample: min - 1,
    accepts: (value) => isIntegerIn(value, min, max),
    ...defaults(declared),
  });
}

/** @internal What an integer option in `[min, max]` expects, as its error says it. */
export function integerExpected(min: number, max: number): string {
  return `an integer ${max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`}`;
}

/** @internal True for an integer in `[min, max]`. */
export function isIntegerIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

/**
 * A kind of option without parameters: `expected`, `invalidSample` and `accepts` are fixed,
 * a declaration adds its doc and default.
 */
function kind<T>(expected: string, invalidSample: unknown, accepts: (value: unknown) => boolean) {
  return <const D extends Declared<T>>(declared: D): OptionSpec<T, WithDefault<D, T>> =>
    option({ doc: declared.doc, expected, invalidSample, accepts, ...defaults(declared) });
}

/** A duration in milliseconds: a finite number >= 0. */
export const durationOption = kind<number>('a number of milliseconds >= 0', -1, isDuration);

/** `true` or `false`. */
export const booleanOption = kind<boolean>(
  'a boolean',
  'yes',
  (value) => typeof value === 'boolean',
);

/** A deadline in milliseconds, or `null` for none (the default). */
export function timeoutOption(declared: {
  readonly doc: string;
}): OptionSpec<number | null, number | null> {
  return kind<number | null>(
    'a number of milliseconds >= 0, or null',
    -1,
    (value) => value === null || isDuration(value),
  )({ ...declared, default: null, defaultText: '`null` (none)' });
}

/** One of a few strings. */
export function choiceOption<
  const C extends readonly string[],
  const D extends Declared<C[number]>,
>(choices: C, declared: D): OptionSpec<C[number], WithDefault<D, C[number]>> {
  return option({
    doc: declared.doc,
    expected: choices.map((choice) => JSON.stringify(choice)).join(' or '),
    invalidSample: 'none of these',
    accepts: (value) => choices.includes(value as string),
    ...defaults(declared),
  });
}

/** What a custom option needs besides its doc and default. */
export interface Custom<T> extends Declared<T> {
  /** See {@link OptionSpec.expected}. */
  readonly expected: string;
  /** See {@link OptionSpec.invalidSample}. */
  readonly invalidSample: unknown;
  /** True for a value the option takes. */
  readonly accepts: (value: unknown) => boolean;
}

/** Any other kind of value: `accepts` says which (a function, an object with a method, …). */
export function customOption<T>(
  declared: Custom<T> & { readonly default: T | (() => T) },
): OptionSpec<T, T>;
export function customOption<T>(declared: Custom<T>): OptionSpec<T, T | undefined>;
export function customOption<T>(declared: Custom<T>): OptionSpec<T, T | undefined> {
  const { doc, expected, invalidSample, accepts } = declared;
  return option({ doc, expected, invalidSample, accepts, ...defaults(declared) });
}

/** A function option such as `onWorkerExit`. */
// biome-ignore lint/suspicious/noExplicitAny: any function type.
export function functionOption<F extends (...args: any[]) => unknown>(declared: {
  readonly doc: string;
  readonly defaultText: string;
}): OptionSpec<F, F | undefined> {
  return customOption<F>({
    ...declared,
    expected: 'a function',
    invalidSample: 42,
    accepts: (value) => typeof value === 'function',
  });
}

function isDuration(value: unknown): boolean {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}
