/**
 * Loaded by a worker thread or child process (see `runner-parse.ts`, `parseIn: 'runner'`):
 * the PROXY header preamble it runs on each moved connection before TLS and the handler.
 * The server's process checked `trusted` already, so every peer here is trusted.
 */
import type { ConnectionPreamble } from '@sockserve/core/kit';
import { proxyHeaderPreamble } from './stream-preamble.js';

/** What crosses to the runner: plain data. */
export interface RunnerProxySettings {
  readonly headerTimeout: number;
  readonly versions: readonly (1 | 2)[];
}

/** The runner's header preamble (named `proxy`), from the server's settings. */
export function createRunnerProxyPreamble(settings: RunnerProxySettings): ConnectionPreamble {
  return proxyHeaderPreamble({
    trusted: 'any',
    headerTimeout: settings.headerTimeout,
    versions: settings.versions,
    parseIn: 'runner',
  });
}
