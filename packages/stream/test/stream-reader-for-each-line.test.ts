/**
 * `rfile.forEachLine(callback)` over real loopback sockets: the lines it hands over are the
 * ones line iteration gives (chunks split anywhere, many lines in a chunk, CRLF, the rest at
 * end of stream), it ends where iteration ends (EOF, drain), fails where iteration fails (a line
 * too long, a read timeout, the callback's error), and waits for a callback's promise.
 */
import type { Socket } from 'node:net';
import { holdConnectionHead, keepConnectionHead } from '@sockserve/core/kit';
import { afterEach, describe, expect, it } from 'vitest';
import { LineTooLongError, ReadTimeoutError, StreamReader } from '../src/index.js';
import { isPending, Loopback } from './helpers.js';

const net = new Loopback();
afterEach(async () => {
  await net.closeAll();
});

/** Sends `chunks` one by one, each after the server received the one before. */
async function sendApart(client: Socket, server: Socket, chunks: string[]): Promise<void> {
  for (const chunk of chunks) {
    const arrived = new Promise((resolve) => server.once('data', resolve));
    client.write(chunk);
    await arrived;
  }
}

describe('forEachLine hands over what iteration gives', () => {
  it('a line split across chunks, several in one chunk, CRLF kept, the rest at EOF', async () => {
    const { client, server } = await net.pair();
    const reader = new StreamReader(server);
    const lines: string[] = [];
    const done = reader.forEachLine((line) => {
      expect(Buffer.isBuffer(line)).toBe(true);
      lines.push(line.toString());
    });
    await sendApart(client, server, ['he', 'llo\nwor', 'ld\r\n', 'a\nb\n\nc', '\n', 'tail']);
    client.end();
    await done;
    expect(lines).toEqual(['hello\n', 'world\r\n', 'a\n', 'b\n', '\n', 'c\n', 'tail']);
  });

  it('gives the same lines as for await over the same chunks', async () => {
    const chunks = ['x', 'yz\n1\n22\n33', '3\n\n', 'last\nno newline'];
    const viaLoop: string[] = [];
    const viaIteration: string[] = [];
    {
      const { client, server } = await net.pair();
      const done = new StreamReader(server).forEachLine((line) => {
        viaLoop.push(line.toString());
      });
      await sendApart(client, server, chunks);
      client.end();
      await done;
    }
    {
      const { client, server } = await net.pair();
      const reader = new StreamReader(server);
      const collected = (async () => {
        for await (const line of reader) viaIteration.push(line.toString());
      })();
      await sendApart(client, server, chunks);
      client.end();
      await collected;
    }
    expect(viaLoop).toEqual(viaIteration);
    expect(viaLoop).toHaveLength(7);
  });

  it('hands the lines of one chunk over in one go, in the callback that received it', async () => {
    const { client, server } = await net.pair();
    const reader = new StreamReader(server);
    let calls = 0;
    const done = reader.forEachLine(() => {
      calls += 1;
    });
    const counts: number[] = [];
    // Registered after the reader's listener: runs once the reader handled the chunk.
    const arrived = new Promise<void>((resolve) =>
      server.once('data', () => {
        counts.push(calls);
        resolve();
      }),
    );
    client.write('1\n2\n3\n4\n5\n');
    await arrived;
    expect(counts).toEqual([5]);
    client.end();
    await done;
    expect(calls).toBe(5);
  });

  it('takes bytes held for the reader (a PROXY header’s rest) first, and a string stream', async () => {
    const { client, server } = await net.pair();
    server.setEncoding('utf8');
    holdConnectionHead(server, Buffer.from('held\nfir'));
    const reader = new StreamReader(server);
    const lines: string[] = [];
    const done = reader.forEachLine((line) => {
      expect(Buffer.isBuffer(line)).toBe(true);
      lines.push(line.toString());
    });
    keepConnectionHead(server);
    client.end('st\nsecond\n');
    await done;
    expect(lines).toEqual(['held\n', 'first\n', 'second\n']);
  });
});

describe('forEachLine ends and fails as iteration does', () => {
  it('resolves at the client’s half-close', async () => {
    const { client, server } = await net.pair();
    const reader = new StreamReader(server);
    const lines: string[] = [];
    const done = reader.forEachLine((line) => {
      lines.push(line.toString());
    });
    expect(await isPending(done)).toBe(true);
    client.end('one\n');
    await done;
    expect(lines).toEqual(['one\n']);
  });

  it('rejects with LineTooLongError for a line over maxLineLength, after the lines before it', async () => {
    const { client, server } = await net.pair();
    const reader = new StreamReader(server, { maxLineLength: 8 });
    const lines: string[] = [];
    const done = reader.forEachLine((line) => {
      lines.push(line.toString());
    });
    client.write('short\n0123456789abcdef\n');
    await expect(done).rejects.toBeInstanceOf(LineTooLongError);
    expect(lines).toEqual(['short\n']);
  });

  it('rejects with what the callback throws, and hands over no line after it', async () => {
    const { client, server } = await net.pair();
    const reader = new StreamReader(server);
    const boom = new Error('boom');
    const lines: string[] = [];
    const done = reader.forEachLine((line) => {
      lines.push(line.toString());
      if (line.toString() === 'bad\n') throw boom;
    });
    client.write('ok\nbad\nnever\n');
    await expect(done).rejects.toBe(boom);
    expect(lines).toEqual(['ok\n', 'bad\n']);
    // What the loop did not take stays for the next read.
    expect((await reader.readline()).toString()).toBe('never\n');
  });

  it('rejects with the rejection of the callback’s promise', async () => {
    const { client, server } = await net.pair();
    const reader = new StreamReader(server);
    const done = reader.forEachLine(async () => {
      throw new RangeError('async boom');
    });
    client.write('x\n');
    await expect(done).rejects.toBeInstanceOf(RangeError);
  });

  it('rejects with ReadTimeoutError when no line comes within timeout', async () => {
    const { client, server } = await net.pair();
    const reader = new StreamReader(server, { timeout: 40 });
    const lines: string[] = [];
    const done = reader.forEachLine((line) => {
      lines.push(line.toString());
    });
    client.write('first\n');
    await expect(done).rejects.toBeInstanceOf(ReadTimeoutError);
    expect(lines).toEqual(['first\n']);
  });

  it('resolves when the reader drains (a closing server), as iteration ends', async () => {
    const { client, server } = await net.pair();
    const reader = new StreamReader(server);
    const lines: string[] = [];
    const done = reader.forEachLine((line) => {
      lines.push(line.toString());
    });
    await sendApart(client, server, ['a\n']);
    expect(await isPending(done)).toBe(true);
    reader.drain();
    await done;
    expect(lines).toEqual(['a\n']);
  });
});

describe('forEachLine waits', () => {
  it('holds the next line while the callback’s promise is pending', async () => {
    const { client, server } = await net.pair();
    const reader = new StreamReader(server);
    const lines: string[] = [];
    let release: () => void = () => undefined;
    const done = reader.forEachLine((line) => {
      lines.push(line.toString());
      if (line.toString() === 'slow\n') return new Promise<void>((r) => (release = r));
      return undefined;
    });
    await sendApart(client, server, ['slow\n', 'next\nafter\n']);
    expect(lines).toEqual(['slow\n']);
    release();
    client.end();
    await done;
    expect(lines).toEqual(['slow\n', 'next\n', 'after\n']);
  });

  it('does not overlap another read: either way round, the second one rejects', async () => {
    const { client, server } = await net.pair();
    const reader = new StreamReader(server);
    const waiting = reader.readline();
    await expect(reader.forEachLine(() => undefined)).rejects.toThrow(/must not overlap/);
    client.write('one\n');
    expect((await waiting).toString()).toBe('one\n');
    const done = reader.forEachLine(() => undefined);
    await expect(reader.readline()).rejects.toThrow(/must not overlap/);
    client.end();
    await done;
  });

  it('rejects when a callback leaves a read waiting without returning it', async () => {
    const { client, server } = await net.pair();
    const reader = new StreamReader(server);
    let left: Promise<Buffer> | undefined;
    const done = reader.forEachLine(() => {
      left = reader.readline();
    });
    client.write('header\n');
    await expect(done).rejects.toThrow(/left a read waiting/);
    client.end('body\n');
    expect((await (left as Promise<Buffer>)).toString()).toBe('body\n');
  });

  it('rejects a callback that is not a function', async () => {
    const { server } = await net.pair();
    const reader = new StreamReader(server);
    await expect(reader.forEachLine(42 as never)).rejects.toBeInstanceOf(TypeError);
  });
});
