/**
 * What a forking child runs first (`ChildRunner` forks this file): it turns on Node's
 * on-disk compile cache (`module.enableCompileCache()`, Node >= 22.1) before any of
 * sockserve's modules or the handler's are compiled, then loads the child proper
 * (`child-main.js`). A child that finds its modules in the cache skips parsing and compiling
 * them, and the cache written by a child that served a request also holds the functions that
 * request ran — so the next child's first request doesn't compile them either (issue 19).
 *
 * The cache lives where Node puts it (`NODE_COMPILE_CACHE`, else the OS temp directory's
 * `node-compile-cache`); `NODE_DISABLE_COMPILE_CACHE=1` turns it off. It is a cache: a
 * missing, stale or unwritable one only costs the compile. Not meant to be imported.
 */
import * as nodeModule from 'node:module';

// Absent on runtimes without it (Bun, Deno): the child then compiles as before.
(nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();
await import('./child-main.js');
