/**
 * What a handler's `wfile` may be replaced with (`this.wfile = …`, as in a `setup()` that
 * wraps it): Python lets `wfile` be any file-like object. Only `write(data)` is required.
 * `LineRequestHandler` writes each reply through it and, when it returns a promise (or any
 * thenable), waits for that before the next line; `StreamRequestHandler.finish()` calls
 * `flush()` (unless `closed` is true) and then `close()` when the object has them, errors from
 * `flush()` ignored. A `StreamWriter`, or a subclass of it, is one.
 */
export interface WritableFile {
  /** Writes `data` (Python's `wfile.write()`); a returned promise or thenable is waited for. */
  write(data: string | Uint8Array): unknown;
  /** Called by `finish()` before `close()`, unless `closed` is true. */
  flush?(): unknown;
  /** Called by `finish()` last. */
  close?(): unknown;
  /** True once closed: `finish()` then skips `flush()`. */
  readonly closed?: boolean;
}
