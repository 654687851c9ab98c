/**
 * The one error the command prints as is: something wrong with what the user asked for (an
 * option, an address, a handler module, a busy port). It becomes one line on stderr and exit
 * code 2, as argparse does for Python's command-line programs.
 */

/** Exit code for a usage or start-up problem (argparse's `parser.error()` exits with 2). */
export const USAGE_EXIT_CODE = 2;

/**
 * A problem the user can fix, worded for them: printed as `sockserve: <message>`, exit code 2.
 * Python equivalent: `argparse.ArgumentParser.error()`.
 */
export class UsageError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UsageError';
  }
}

/** The first line of an error's `name: message` (like the last line of a Python traceback), for one-line reports. */
export function firstLine(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : `${String(error)}`;
  return text.split('\n', 1)[0] ?? text;
}
