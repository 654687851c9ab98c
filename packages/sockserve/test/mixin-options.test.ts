/** The mixins compose their options with their server's: conflicts are errors, not drops. */
import { describe, expect, it } from 'vitest';
import {
  AsyncStrategy,
  BaseRequestHandler,
  ForkingTCPServer,
  ForkingUnixStreamServer,
  InvalidOptionError,
  ThreadingTCPServer,
  ThreadingUDPServer,
} from '../src/index.js';

class NoopHandler extends BaseRequestHandler {}
const address = { host: '127.0.0.1', port: 0 };

function thrown(fn: () => unknown): InvalidOptionError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOptionError);
    return error as InvalidOptionError;
  }
  throw new Error('expected an InvalidOptionError');
}

describe('mixin options', () => {
  it('a typo lists the transport, base and mixin options', () => {
    const error = thrown(
      () => new ThreadingUDPServer(address, NoopHandler, { maxWorker: 2 } as object),
    );
    expect(error.option).toBe('maxWorker');
    expect(error.message).toBe(
      'unknown option "maxWorker" for UDPServer with ThreadingMixIn; known options: ' +
        'bindAndActivate, strategy, timeout, requestTimeout, sharedRequestScope, logger, maxPacketSize, ' +
        'requestQueueSize, allowReuseAddress, allowReusePort, ipv6Only, recvBufferSize, ' +
        'sendBufferSize, proxyProtocol, maxWorkers, minWorkers, minSpareWorkers, maxSpareWorkers, ' +
        'maxRequestsPerWorker, daemonThreads, ' +
        'resourceLimits, workerData, onWorkerExit, idleTimeout, blockOnClose, transfer, ' +
        'closeTimeout, execArgv, crashBackoff, crashResetAfter, growAfter',
    );
  });

  it('a mixin option with an explicit strategy is refused, naming the option', () => {
    const strategy = new AsyncStrategy();
    expect(
      thrown(() => new ThreadingTCPServer(address, NoopHandler, { strategy, maxWorkers: 2 }))
        .option,
    ).toBe('maxWorkers');
    expect(
      thrown(() => new ForkingTCPServer(address, NoopHandler, { strategy, forkingMode: 'pool' }))
        .option,
    ).toBe('forkingMode');
  });

  it("a shared option (closeTimeout) is the server's field too, not taken from it", async () => {
    const server = new ThreadingTCPServer(address, NoopHandler, {
      closeTimeout: 1234,
      bindAndActivate: false,
    });
    expect(server.closeTimeout).toBe(1234);
    await server.serverClose();
  });

  it("forking's mode is forkingMode on a Unix server, whose mode is the file's", () => {
    const error = thrown(
      () => new ForkingUnixStreamServer('/tmp/x.sock', NoopHandler, { mode: 'pool' as never }),
    );
    expect(error.message).toBe(
      'option "mode" must be a Unix socket file mode (with ForkingMixIn the forking mode is the "forkingMode" option); received "pool"',
    );
  });
});
