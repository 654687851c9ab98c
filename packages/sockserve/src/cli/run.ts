/**
 * The command's entry point without process side effects: parse, run, turn a
 * {@link UsageError} into one line on stderr and exit code 2.
 */
import { readFileSync } from 'node:fs';
import { parseCommand } from './args.js';
import { HELP } from './help.js';
import { type ServeIO, type ServeSettings, serve } from './serve.js';
import { USAGE_EXIT_CODE, UsageError } from './usage-error.js';

const STDIO: ServeIO = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** Runs `sockserve ARGS…` and resolves with the exit code (no Python equivalent: socketserver has no command). */
export async function run(argv: readonly string[], io: ServeIO = STDIO): Promise<number> {
  try {
    const command = parseCommand(argv);
    switch (command.command) {
      case 'help':
        io.out(HELP);
        return 0;
      case 'version':
        io.out(version());
        return 0;
      case 'serve':
        return await serve(command, io, { ...settingsFrom(process.env), argv });
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`sockserve: ${error.message}`);
    return USAGE_EXIT_CODE;
  }
}

/** `SOCKSERVE_SLOW_IMPORT_MS`: ms a handler module's import may take before a warning (default 3000). */
function settingsFrom(env: NodeJS.ProcessEnv): ServeSettings {
  const text = env.SOCKSERVE_SLOW_IMPORT_MS;
  if (text === undefined || text === '') return {};
  if (!/^\d+$/.test(text)) {
    throw new UsageError(
      `SOCKSERVE_SLOW_IMPORT_MS=${JSON.stringify(text)}: expected a whole number of milliseconds`,
    );
  }
  return { slowImportMs: Number(text) };
}

function version(): string {
  const manifest = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}
