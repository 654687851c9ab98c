/**
 * `@sockserve/udp`: Python's `socketserver.UDPServer` for Node.js.
 *
 * @packageDocumentation
 */
export { UdpDatagramRequest } from './udp-request.js';
export { UDP_OPTIONS, UDPServer, type UDPServerOptions } from './udp-server.js';
