/**
 * What code can learn about the process it runs in: whether it is a sockserve child (the
 * guard a module that holds both a handler and the server's start-up needs, since children
 * import that module for the handler — Python's `if __name__ == "__main__":`), and that
 * child's name.
 */

const MARK = Symbol.for('sockserve.forking.child');

/** Called once by the child's entry, before the handler module is imported (Python's fork needs no such mark). */
export function markForkedChild(name: string): void {
  (globalThis as Record<symbol, unknown>)[MARK] = name;
}

/**
 * True inside a child process started by `ForkingStrategy` (`ForkingMixIn`), false in the
 * server's own process: the guard Python writes as `if __name__ == "__main__":` (there the
 * fork doesn't re-import the module; here a child does). Guard a module's start-up code:
 * `if (!isForkedChild()) { const server = await ForkingTCPServer.create(…) }`.
 */
export function isForkedChild(): boolean {
  return typeof (globalThis as Record<symbol, unknown>)[MARK] === 'string';
}

/**
 * The name the server gives this process: `'child 4711'` in a forked child (the pid),
 * `'main'` in the server's process — Python's `multiprocessing.current_process().name`, and
 * the process analogue of threading's `currentThreadName()`.
 */
export function currentProcessName(): string {
  const name = (globalThis as Record<symbol, unknown>)[MARK];
  return typeof name === 'string' ? name : 'main';
}
