/**
 * `LineRequestHandler` and `StreamRequestHandler` with a replaced `wfile` (Python lets it be
 * any file-like object), on a real `TCPServer` on loopback: a `setup()` that wraps `wfile` in
 * a plain object, a `StreamWriter` subclass overriding `write`, a `write()` that returns
 * nothing, a slow `write()` whose promise holds the next line, a rejecting `write()` reaching
 * `handleError()`, `finish()` calling the replacement's `flush()` and `close()`, and a `wfile`
 * without `write()` failing with a `TypeError` that names it.
 */
import { exchange } from '@sockserve/conformance';
import {
  LineRequestHandler,
  StreamRequestHandler,
  StreamWriter,
  type WritableFile,
} from '@sockserve/stream';
import { afterEach, describe, expect, it } from 'vitest';
import { asyncServed } from './fixtures/async-served.ts';

const serve = asyncServed();

/** What the handlers below did, in order (the test runs in this process: AsyncStrategy). */
const events: string[] = [];
afterEach(() => {
  events.length = 0;
});

/** Wraps `wfile` in `setup()`: each reply goes out with a `> ` prefix, through the wrapper. */
class Prefixed extends LineRequestHandler {
  override setup() {
    super.setup();
    const inner = this.wfile;
    this.wfile = {
      write: (data: string | Uint8Array) => inner.write(`> ${data.toString()}`),
      flush: () => {
        events.push('flush');
        return inner.flush();
      },
      close: () => {
        events.push('close');
        return inner.close();
      },
    };
  }

  override handleLine(line: Buffer) {
    return line.toString().toUpperCase();
  }
}

/** A `StreamWriter` subclass that counts the replies it writes. */
class CountingWriter extends StreamWriter {
  override write(data: string | Uint8Array): Promise<void> {
    events.push(`write ${data.toString().trim()}`);
    return super.write(data);
  }
}

class Counted extends LineRequestHandler {
  override setup() {
    super.setup();
    this.wfile = new CountingWriter(this.request);
  }

  override handleLine(line: Buffer) {
    return line.toString().toUpperCase();
  }
}

/** A `write()` that returns nothing and writes the socket itself. */
class SyncWrite extends LineRequestHandler {
  override setup() {
    super.setup();
    const socket = this.request;
    this.wfile = {
      write: (data: string | Uint8Array) => {
        socket.write(data);
      },
    };
  }

  override handleLine(line: Buffer) {
    return `sync ${line.toString()}`;
  }
}

/** A `write()` that takes a turn before writing: the next line must wait for it. */
class SlowWrite extends LineRequestHandler {
  override setup() {
    super.setup();
    const inner = this.wfile;
    this.wfile = {
      write: async (data: string | Uint8Array) => {
        events.push(`write ${data.toString().trim()} begins`);
        await new Promise((resolve) => setImmediate(resolve));
        await inner.write(data);
        events.push(`write ${data.toString().trim()} done`);
      },
    };
  }

  override handleLine(line: Buffer) {
    const text = line.toString().trim();
    events.push(`line ${text}`);
    return `${text}\n`;
  }
}

/** A `write()` that rejects on the second reply. */
class FailingWrite extends LineRequestHandler {
  override setup() {
    super.setup();
    const inner = this.wfile;
    let count = 0;
    this.wfile = {
      write: (data: string | Uint8Array) => {
        count += 1;
        return count === 2 ? Promise.reject(new Error('write failed')) : inner.write(data);
      },
    };
  }

  override handleLine(line: Buffer) {
    return line.toString();
  }
}

/** A `wfile` that cannot write. */
class NoWrite extends LineRequestHandler {
  override setup() {
    super.setup();
    this.wfile = {} as unknown as WritableFile;
  }

  override handleLine(line: Buffer) {
    return line.toString();
  }
}

describe('LineRequestHandler with a replaced wfile', () => {
  it('a setup() that wraps wfile: replies go through the wrapper; finish() flushes and closes it', async () => {
    const { server, errors } = await serve(Prefixed);
    const reply = await exchange(server.serverAddress, 'one\ntwo\nlast');
    expect(reply.toString()).toBe('> ONE\n> TWO\n> LAST');
    expect(errors).toEqual([]);
    expect(events).toEqual(['flush', 'close']);
  });

  it('a StreamWriter subclass overriding write(): its write() gets every reply', async () => {
    const { server, errors } = await serve(Counted);
    const reply = await exchange(server.serverAddress, 'a\nb\nc\n');
    expect(reply.toString()).toBe('A\nB\nC\n');
    expect(events).toEqual(['write A', 'write B', 'write C']);
    expect(errors).toEqual([]);
  });

  it('a write() that returns nothing works, in order', async () => {
    const { server, errors } = await serve(SyncWrite);
    const reply = await exchange(server.serverAddress, 'x\ny\n');
    expect(reply.toString()).toBe('sync x\nsync y\n');
    expect(errors).toEqual([]);
  });

  it("a write()'s promise holds the next line until it settles", async () => {
    const { server, errors } = await serve(SlowWrite);
    const reply = await exchange(server.serverAddress, 'a\nb\nc\n');
    expect(reply.toString()).toBe('a\nb\nc\n');
    expect(events).toEqual([
      'line a',
      'write a begins',
      'write a done',
      'line b',
      'write b begins',
      'write b done',
      'line c',
      'write c begins',
      'write c done',
    ]);
    expect(errors).toEqual([]);
  });

  it("a write()'s rejection ends handle() and reaches handleError()", async () => {
    const { server, errors } = await serve(FailingWrite);
    const reply = await exchange(server.serverAddress, 'a\nb\nc\n');
    expect(reply.toString()).toBe('a\n');
    expect(errors).toEqual([expect.objectContaining({ message: 'write failed' })]);
  });

  it('a wfile without write() fails the first reply with a TypeError that says so', async () => {
    const { server, errors } = await serve(NoWrite);
    expect((await exchange(server.serverAddress, 'a\n')).toString()).toBe('');
    expect(errors).toEqual([
      expect.objectContaining({
        name: 'TypeError',
        message: expect.stringContaining('this.wfile has no write() method (got Object)'),
      }),
    ]);
  });
});

describe('StreamRequestHandler with a replaced wfile', () => {
  it("finish() calls the replacement's flush() and close() (Python's finish), without throwing", async () => {
    class Wrapped extends StreamRequestHandler {
      override setup() {
        super.setup();
        const inner = this.wfile;
        this.wfile = {
          write: (data: string | Uint8Array) => inner.write(data),
          closed: false,
          flush: () => {
            events.push('flush');
          },
          close: async () => {
            events.push('close');
            await inner.close();
          },
        };
      }

      override async handle() {
        await this.wfile.write(await this.rfile.readline());
      }
    }
    const { server, errors } = await serve(Wrapped);
    expect((await exchange(server.serverAddress, 'hi\n')).toString()).toBe('hi\n');
    expect(events).toEqual(['flush', 'close']);
    expect(errors).toEqual([]);
  });
});
