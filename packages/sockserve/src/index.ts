/**
 * `sockserve`: Python's `socketserver` module for Node.js in one package — every part
 * (`@sockserve/core`, `stream`, `tcp`, `tls`, `udp`, `unix`, `threading`, `forking`) re-exported, and Python's
 * predefined server classes (`TCPServer`, `ThreadingTCPServer`, `ForkingUDPServer`, … all
 * twelve). The `sockserve` command lives in `./cli/`.
 *
 * @packageDocumentation
 */
export * from '@sockserve/core';
export * from '@sockserve/forking';
export * from '@sockserve/stream';
export * from '@sockserve/tcp';
export * from '@sockserve/threading';
export * from '@sockserve/tls';
export * from '@sockserve/udp';
export * from '@sockserve/unix';
export {
  ForkingTCPServer,
  ForkingUDPServer,
  ForkingUnixDatagramServer,
  ForkingUnixStreamServer,
} from './forking.js';
export {
  ThreadingTCPServer,
  ThreadingUDPServer,
  ThreadingUnixDatagramServer,
  ThreadingUnixStreamServer,
} from './predefined.js';
export {
  findStrategy,
  STRATEGIES,
  type StrategyName,
  type StrategyRegistration,
  type StrategySettings,
} from './strategies.js';
