/**
 * A handler's `wfile` that is not sockserve's own `StreamWriter` as is: an object set by the
 * handler (`this.wfile = wrapper`, a `setup()` that wraps it) or a `StreamWriter` subclass that
 * overrides `write`, `flush` or `close`. Python lets `wfile` be any file-like object, and its
 * `StreamRequestHandler.finish()` calls that object's `flush()` and `close()`; so do these.
 * `LineRequestHandler` writes its replies with the object's own `write()` and, when that
 * returns a promise (or any thenable), holds the next line until it settles. Not exported from
 * the package.
 */
import { StreamClosedError } from './errors.js';

/** What a replaced `wfile` may offer; only `write` is needed for line replies. */
interface FileLike {
  write?: unknown;
  flush?: unknown;
  close?: unknown;
  closed?: unknown;
}

/**
 * One line reply written through `wfile.write(data)`: its promise when it returned a thenable
 * (the loop waits for it), else `undefined`. A `wfile` without a `write()` is a `TypeError`,
 * which ends `handle()` and reaches `handleError()` as any failed write.
 */
export function writeToForeign(
  wfile: unknown,
  data: string | Uint8Array,
): PromiseLike<unknown> | undefined {
  const file = wfile as FileLike | null | undefined;
  const write = file?.write;
  if (typeof write !== 'function') {
    throw new TypeError(
      `LineRequestHandler: this.wfile has no write() method (got ${describe(wfile)}); ` +
        'set it to a StreamWriter or an object with write(data)',
    );
  }
  const result: unknown = write.call(file, data);
  if (
    typeof result === 'object' &&
    result !== null &&
    typeof (result as { then?: unknown }).then === 'function'
  ) {
    return result as PromiseLike<unknown>;
  }
  return undefined;
}

/**
 * Python's `finish()` for a replaced `wfile`: `flush()` unless it says it is `closed` (its
 * errors ignored, as Python ignores `socket.error` there: the client went away), then
 * `close()` (a `StreamClosedError` from it ignored for the same reason; any other error
 * reaches `handleError()`). Each only if the object has it.
 */
export async function finishForeign(wfile: unknown): Promise<void> {
  const file = wfile as FileLike | null | undefined;
  if (file === null || file === undefined) return;
  if (file.closed !== true && typeof file.flush === 'function') {
    try {
      await file.flush();
    } catch {
      // Nothing left to flush to.
    }
  }
  if (typeof file.close === 'function') {
    try {
      await file.close();
    } catch (error) {
      if (!(error instanceof StreamClosedError)) throw error;
    }
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  return value.constructor?.name ?? 'object';
}
