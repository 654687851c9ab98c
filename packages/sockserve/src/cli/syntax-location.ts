/**
 * Where a handler module's syntax error is. Node's `SyntaxError` from `import()` of an ES
 * module says what is wrong but not where (the file and line are only printed when the error
 * is fatal), so the command asks Node to import the module once more in a short-lived child
 * process and reads the location from its fatal-error output. Nothing of the module runs
 * there: a module graph with a syntax error fails to link before any of it is evaluated.
 * (Python prints `File "…", line N` for a `SyntaxError` at import.)
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runnerExecArgv } from '@sockserve/core/kit';

/** `path:line:column` and the offending line, as Node prints them. */
export interface SyntaxLocation {
  /** The file, as a path when it is a `file:` URL. */
  readonly file: string;
  readonly line: number;
  /** 1-based, from Node's caret; undefined when Node printed none. */
  readonly column: number | undefined;
}

/**
 * Node's decorated header of a syntax error: `file:///x/y.mjs:3`, the source line, a caret
 * line. Some Node versions print it right after the caret of their own frame (`    ^file:…`).
 */
const HEADER = /(?:^|\^)((?:file:\/\/|\/)[^\n]*?):(\d+)\n([^\n]*)\n( *)\^/m;

/** Reads the location from a Node error text (a stack or a fatal-error report); undefined if it has none. */
export function parseSyntaxLocation(text: string): SyntaxLocation | undefined {
  const match = HEADER.exec(text);
  if (match === null) return undefined;
  const [, where = '', line = '0', , caret] = match;
  const file = where.startsWith('file:') ? fileURLToPath(where) : where;
  return { file, line: Number(line), column: caret === undefined ? undefined : caret.length + 1 };
}

/**
 * The location of `error`, a `SyntaxError` thrown while importing `url`: from its stack when
 * Node put it there (TypeScript files), else from a fresh import in a child process.
 */
export function locateSyntaxError(error: unknown, url: string): SyntaxLocation | undefined {
  if (!(error instanceof SyntaxError)) return undefined;
  const stack = error.stack ?? '';
  const inStack = parseSyntaxLocation(stack);
  if (inStack !== undefined) return inStack;
  // Thrown by running code (JSON.parse, new RegExp): its stack names the user's frame already.
  if (/\n\s+at .*(?:file:\/\/|\(\/)/.test(stack)) return undefined;
  const probe = spawnSync(
    process.execPath,
    [...runnerExecArgv(), '--input-type=module', '-e', `await import(${JSON.stringify(url)});`],
    { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return parseSyntaxLocation(probe.stderr ?? '');
}

/** `path:line:column` for a message. */
export function formatLocation(location: SyntaxLocation): string {
  const column = location.column === undefined ? '' : `:${location.column}`;
  return `${location.file}:${location.line}${column}`;
}
