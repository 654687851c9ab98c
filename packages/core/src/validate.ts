/** Option validation helpers: each throws {@link InvalidOptionError} naming the option. */
import { InvalidOptionError } from './errors.js';

/** @internal An integer in `[min, max]`, or `undefined` when the option was not given. */
export function optionalInteger(
  name: string,
  value: unknown,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    throw new InvalidOptionError(name, `an integer ${range}`, value);
  }
  return value;
}

/** @internal A duration in milliseconds (finite, >= 0), `null` for "no timeout", or `undefined`. */
export function optionalTimeout(name: string, value: unknown): number | null | undefined {
  if (value === undefined || value === null) return value;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidOptionError(name, 'a number of milliseconds >= 0, or null', value);
  }
  return value;
}

/** @internal A boolean, or `undefined` when the option was not given. */
export function optionalBoolean(name: string, value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw new InvalidOptionError(name, 'a boolean', value);
  return value;
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
