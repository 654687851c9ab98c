/**
 * sockserve's shared test support (private; never published): a teardown list, the servers and
 * sockets a test opened closed after it, certificates made with `openssl` at test time, and
 * real HAProxy and nginx peers on loopback ports.
 */
export {
  makeCerts,
  type SuiteHooks,
  selfSignedCert,
  selfSignedPem,
  type TestCert,
  type TestCerts,
  useCerts,
} from './certs.js';
export {
  closeAfterEach,
  type Destroyable,
  type EachHooks,
  type OpenServers,
  openServers,
  type StoppableServer,
} from './close-after-each.js';
export {
  type CollectingClient,
  type CollectOptions,
  connectAndCollect,
  exchangeWrites,
} from './collect.js';
export { freePort } from './peers/free-port.js';
export {
  type HaproxyListen,
  type HaproxyPeer,
  type HaproxyServer,
  startHaproxy,
} from './peers/haproxy.js';
export {
  NGINX_STREAM_MODULE,
  type NginxPeer,
  type NginxServer,
  startNginx,
} from './peers/nginx.js';
export { type PeerProcess, peerDir, startProcess } from './peers/process.js';
export { askUnix, waitReady } from './peers/ready.js';
export { type PeerLaunch, type StartedPeer, startPeer } from './peers/start-peer.js';
export { requestEnds } from './request-ends.js';
export { socketsMoveToWorkers } from './sockets-move.js';
export { Teardown } from './teardown.js';
export { upperLineReply } from './upper-line.js';
