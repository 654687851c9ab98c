/**
 * One-off option checks for code that reads a single option outside a declared set (the
 * stream reader's `maxLineLength`, say). Each is the same check as the declaration kinds of
 * `./options/option.js`, and throws {@link InvalidOptionError} naming the option.
 */
import { InvalidOptionError } from './errors.js';
import { booleanOption, integerExpected, isIntegerIn, timeoutOption } from './options/option.js';

const TIMEOUT = timeoutOption({ doc: '' });
const BOOLEAN = booleanOption({ doc: '' });

/** @internal An integer in `[min, max]`, or `undefined` when the option was not given. */
export function optionalInteger(
  name: string,
  value: unknown,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  // Checked in place: readers call this per request, so nothing is allocated on success.
  if (value === undefined || isIntegerIn(value, min, max)) return value;
  throw new InvalidOptionError(name, integerExpected(min, max), value);
}

/** @internal A duration in milliseconds (finite, >= 0), `null` for "no timeout", or `undefined`. */
export function optionalTimeout(name: string, value: unknown): number | null | undefined {
  return value === undefined ? undefined : TIMEOUT.resolve(name, value);
}

/** @internal A boolean, or `undefined` when the option was not given. */
export function optionalBoolean(name: string, value: unknown): boolean | undefined {
  return BOOLEAN.resolve(name, value);
}

/**
 * @internal Rejects option names that the receiver does not know (catches typos like `noDelays`).
 */
export function rejectUnknownOptions(
  where: string,
  options: object | undefined,
  known: readonly string[],
): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionError(where, 'an options object', options);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw InvalidOptionError.unknown(key, where, known);
    }
  }
}
