#!/usr/bin/env node
/** The `sockserve` executable (package.json `bin`); see `run()`. */
import { run } from './run.js';

process.exitCode = await run(process.argv.slice(2));
