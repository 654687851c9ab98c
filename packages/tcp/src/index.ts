/**
 * `@sockserve/tcp`: Python's `socketserver.TCPServer` for Node.js.
 *
 * @packageDocumentation
 */
export { TCPServer, type TCPServerOptions } from './tcp-server.js';
