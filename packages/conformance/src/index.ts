/** The conformance suite for sockserve transports and strategies (private; vitest). */
export * from './client.ts';
export * from './close-accounting.ts';
export * from './datagram-handlers.ts';
export {
  type DatagramClient,
  type DatagramHarness,
  describeDatagramServer,
} from './datagram-suite.ts';
export * from './handlers.ts';
export * from './harness.ts';
export { Inbox } from './inbox.ts';
export { describeStreamServer, expectRefused } from './stream-suite.ts';
export { udpClient } from './udp-client.ts';
