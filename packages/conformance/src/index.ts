/** The conformance suite for sockserve transports and strategies (private; vitest). */
export * from './client.js';
export * from './close-accounting.js';
export * from './datagram-handlers.js';
export {
  type DatagramClient,
  type DatagramHarness,
  describeDatagramServer,
} from './datagram-suite.js';
export * from './handlers.js';
export * from './harness.js';
export { Inbox } from './inbox.js';
export { describeStreamServer, expectRefused } from './stream-suite.js';
export { udpClient } from './udp-client.js';
