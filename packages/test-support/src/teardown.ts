/**
 * The teardown list every test file needs: what a test opened (servers, sockets, child
 * processes, temp dirs), closed after the test, last opened first.
 */

/** Steps to run after each test (`afterEach(() => teardown.run())`), last added first. */
export class Teardown {
  readonly #steps: Array<() => unknown> = [];

  /** Runs `step` (sync or async) in the next {@link Teardown.run}. */
  add(step: () => unknown): void {
    this.#steps.push(step);
  }

  /**
   * Runs every step, last added first, each awaited before the next; a step that fails does
   * not stop the others. Rethrows the first failure once all have run.
   */
  async run(): Promise<void> {
    let failure: { error: unknown } | undefined;
    for (const step of this.#steps.splice(0).reverse()) {
      try {
        await step();
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure !== undefined) throw failure.error;
  }
}
