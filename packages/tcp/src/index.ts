/**
 * `@sockserve/tcp`: Python's `socketserver.TCPServer` for Node.js.
 *
 * @packageDocumentation
 */
export { TCP_OPTIONS, TCPServer, type TCPServerOptions } from './tcp-server.js';
