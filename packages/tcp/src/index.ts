/** `@sockserve/tcp`: Python's `socketserver.TCPServer` for Node.js. */
export { TCP_OPTIONS, TCPServer, type TCPServerOptions } from './tcp-server.js';
