/** `@sockserve/tcp`: Python's `socketserver.TCPServer` for Node.js. */
export { TCPServer, type TCPServerOptions } from './tcp-server.js';
