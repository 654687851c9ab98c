/**
 * The Node options worker threads and child processes start with when none are given: this
 * process's `execArgv` without the inspector flags (`node --inspect` debugs the server's
 * process; handing the flag on would open one more debugger port per child, or fail on the
 * port in use) and without a `-e` / `-p` script (a child would run it again). Python's `fork()`
 * copies the process, debugger hooks included; there is nothing to choose there.
 */

/** Flags that take their value as the next argument when not written `--flag=value`. */
const SEPARATE_VALUE = new Set(['--inspect-port', '--debug-port', '-e', '--eval', '-p', '--print']);
const DROPPED =
  /^(?:--inspect(?:-brk|-wait|-port|-publish-uid)?|--debug-port|-e|--eval|-p|--print|-pe)(?:=|$)/;

/** `execArgv` (default `process.execArgv`) minus inspector flags and an eval script; see the module comment. */
export function runnerExecArgv(execArgv: readonly string[] = process.execArgv): string[] {
  const kept: string[] = [];
  for (let index = 0; index < execArgv.length; index += 1) {
    const arg = execArgv[index] as string;
    if (!DROPPED.test(arg)) {
      kept.push(arg);
      continue;
    }
    if (SEPARATE_VALUE.has(arg) || arg === '-pe') index += 1;
  }
  return kept;
}
