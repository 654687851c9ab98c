/**
 * The defaults of `StreamRequestHandler.idleTimeout` and `firstByteTimeout`: `null` (none, as
 * in Python), unless the environment sets them — `SOCKSERVE_IDLE_TIMEOUT` and
 * `SOCKSERVE_FIRST_BYTE_TIMEOUT`, in ms. The `sockserve` command sets both for its safe
 * defaults: handlers run in worker threads and child processes too, which inherit the
 * environment but not the command's objects, so this is how a command-line default reaches
 * every handler. A class field in a handler still overrides it. A value that is not a number
 * of ms >= 0 throws `InvalidOptionError` naming the variable when `@sockserve/stream` loads.
 */
import { InvalidOptionError } from '@sockserve/core';

/** The environment variables read, by attribute. */
export const IDLE_ENV = {
  idleTimeout: 'SOCKSERVE_IDLE_TIMEOUT',
  firstByteTimeout: 'SOCKSERVE_FIRST_BYTE_TIMEOUT',
} as const;

/** A duration from the environment: unset or empty is `null`; `0` is `null` too (off). */
export function durationFromEnv(name: string, value: string | undefined): number | null {
  if (value === undefined || value === '') return null;
  const ms = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !Number.isFinite(ms)) {
    throw new InvalidOptionError(name, 'a number of milliseconds >= 0', value);
  }
  return ms === 0 ? null : ms;
}

/** The defaults, read once when the package loads. */
export const idleDefaults = {
  idleTimeout: durationFromEnv(IDLE_ENV.idleTimeout, process.env[IDLE_ENV.idleTimeout]),
  firstByteTimeout: durationFromEnv(
    IDLE_ENV.firstByteTimeout,
    process.env[IDLE_ENV.firstByteTimeout],
  ),
} as const;
