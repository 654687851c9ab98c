/**
 * `@sockserve/udp`: Python's `socketserver.UDPServer` for Node.js.
 *
 * @packageDocumentation
 */
export { UdpDatagramRequest } from './udp-request.js';
export { UDPServer, type UDPServerOptions } from './udp-server.js';
