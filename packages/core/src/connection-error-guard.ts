/**
 * The `'error'` listener a transport puts on every accepted connection: without any listener
 * an `'error'` (ECONNRESET, EPIPE) would crash the process; readers and writers see the error
 * through their own listeners or the destroyed state. A reader that listens to `'error'`
 * itself may take the guard's place while it does (`@sockserve/stream`'s reader does, and puts
 * it back when it lets the stream go): one listener instead of two, and no listener array
 * (104 B) kept by every idle connection (issue 11).
 */

/** Ignores a connection's `'error'`; see the module comment. The same function everywhere. */
export function ignoreConnectionError(): void {}
