#!/usr/bin/env node
/**
 * The `sockserve` executable (package.json `bin`); see `run()`. It exits once `run()` is done
 * (after stdout and stderr are flushed) rather than when the event loop empties: a handler
 * module may hold timers or sockets of its own that would keep a stopped command alive.
 */
import { run } from './run.js';

const code = await run(process.argv.slice(2));
process.exitCode = code;
for (const stream of [process.stdout, process.stderr]) {
  await new Promise<void>((resolve) => stream.write('', () => resolve()));
}
process.exit(code);
