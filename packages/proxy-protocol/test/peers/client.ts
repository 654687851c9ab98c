/**
 * The client side of the fixture tests: connect (plain or TLS) to a proxy's front, send a
 * payload, and report the local address the proxy saw us from.
 */
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

/** A connected client, its local address, and a way to close it. */
export interface ProxiedClient {
  readonly socket: Socket;
  readonly localAddress: string;
  readonly localPort: number;
  close(): Promise<void>;
}

/** Connects to `host:port`, writes `payload`, resolves once connected. */
export function sendThrough(
  host: string,
  port: number,
  payload: string,
  tls?: { servername: string; alpn: string[] },
): Promise<ProxiedClient> {
  return new Promise((resolve, reject) => {
    const socket: Socket = tls
      ? tlsConnect({
          host,
          port,
          servername: tls.servername,
          ALPNProtocols: tls.alpn,
          rejectUnauthorized: false,
        })
      : connect({ host, port });
    socket.once('error', reject);
    socket.once(tls ? 'secureConnect' : 'connect', () => {
      socket.write(payload);
      socket.on('error', () => {});
      resolve({
        socket,
        localAddress: socket.localAddress!,
        localPort: socket.localPort!,
        close: () =>
          new Promise<void>((done) => {
            if (socket.destroyed) return done();
            socket.once('close', () => done());
            socket.destroy();
          }),
      });
    });
  });
}
