/**
 * Helpers for tests that restart the command (SIGHUP): its successors share its stdout and
 * stderr, so `CliProcess.exited` (the pipes' close) comes only once the whole chain exited,
 * and `CliProcess.stderrMatching` cannot be used once the first process exited.
 */
import { once } from 'node:events';
import type { CliProcess } from './cli-process.js';
import type { Teardown } from './helpers.js';

/** Waits until the chain's stderr matches `pattern`; rejects once every process exited. */
export async function chainStderr(cli: CliProcess, pattern: RegExp): Promise<RegExpExecArray> {
  for (;;) {
    const match = pattern.exec(cli.stderr);
    if (match !== null) return match;
    const gone = await Promise.race([
      once(cli.child.stderr as NodeJS.ReadableStream, 'data').then(() => false),
      cli.exited.then(() => true),
    ]);
    if (gone) {
      const last = pattern.exec(cli.stderr);
      if (last !== null) return last;
      throw new Error(`every process of the chain exited before ${pattern}: ${cli.stderr}`);
    }
  }
}

/** In teardown: SIGKILL every successor named on stderr, then the command itself. */
export function killChainInTeardown(teardown: Teardown, cli: CliProcess): void {
  teardown.add(async () => {
    for (const match of cli.stderr.matchAll(/successor pid (\d+)/g)) {
      try {
        process.kill(Number(match[1]), 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await cli.stop('SIGKILL');
  });
}
