/**
 * The TLS upgrade of a worker thread or child process: loaded there by the runner (see
 * `ConnectionUpgradeRef` in `@sockserve/core`), it terminates TLS on the raw connections the
 * server moved (or relays) to it, with a secure context of its own built from the PEM in the
 * settings. A failed handshake goes back to the server as plain data, where it is counted.
 */
import type { Duplex } from 'node:stream';
import type { RunnerConnectionUpgrade, SocketAddress } from '@sockserve/core';
import './handler-tls.js';
import type { TLSSettings } from './tls-settings.js';
import { TLSTerminator } from './tls-terminator.js';

/** Builds a runner's TLS upgrade from the server's settings. */
export function createRunnerUpgrade(settings: unknown): RunnerConnectionUpgrade {
  const terminator = new TLSTerminator(settings as TLSSettings);
  return {
    async upgrade(stream: Duplex, _clientAddress: SocketAddress) {
      return terminator.terminate(stream);
    },
    update(next: unknown) {
      terminator.update(next as TLSSettings);
    },
  };
}
