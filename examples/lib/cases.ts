/**
 * Every example server with the clients that talk to it: the demo runs them all, the tests
 * run each. A client is a command line; its output must contain the expected reply.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { examplePath } from './spawn-example.ts';

/** One client run against a listening server. */
export interface ClientRun {
  readonly label: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: Record<string, string>;
}

/** An example server and how to reach it. */
export interface ExampleCase {
  readonly server: string;
  /** Flags that make it listen somewhere private to this run. */
  readonly serverArgs: () => string[];
  /** Clients to run, given the server's `listening on` address. */
  readonly clients: (address: string) => ClientRun[];
  /** The client output that proves the exchange. */
  readonly expected: string;
}

const WORDS = ['hello', 'world', 'with', 'TCP'];
const port = (address: string) => address.slice(address.lastIndexOf(':') + 1);

function inetClients(nodeClient: string, pythonClient: string, words: string[]) {
  return (address: string): ClientRun[] => [
    {
      label: `node examples/${nodeClient}`,
      command: process.execPath,
      args: [examplePath(nodeClient), '--host', '127.0.0.1', '--port', port(address), ...words],
    },
    {
      label: `python3 examples/python/${pythonClient} (the Python docs' client)`,
      command: 'python3',
      args: [examplePath(`python/${pythonClient}`), ...words],
      env: { SOCKSERVE_HOST: '127.0.0.1', SOCKSERVE_PORT: port(address) },
    },
  ];
}

function unixClient(pythonClient: string, words: string[]) {
  return (address: string): ClientRun[] => [
    {
      label: `python3 examples/python/${pythonClient}`,
      command: 'python3',
      args: [examplePath(`python/${pythonClient}`), ...words],
      env: { SOCKSERVE_PATH: address },
    },
  ];
}

const socketDirs: string[] = [];

function socketPath(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'sockserve-example-'));
  socketDirs.push(dir);
  return join(dir, name);
}

/** Removes the temporary directories the Unix examples' socket paths were made in. */
export function removeSocketDirs(): void {
  for (const dir of socketDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** The examples, in the order the demo shows them. */
export const EXAMPLE_CASES: readonly ExampleCase[] = [
  {
    server: 'tcp-server.ts',
    serverArgs: () => ['--host', '127.0.0.1', '--port', '0'],
    clients: inetClients('tcp-client.ts', 'tcp_client.py', WORDS),
    expected: 'Received: HELLO WORLD WITH TCP',
  },
  {
    server: 'tcp-stream-server.ts',
    serverArgs: () => ['--host', '127.0.0.1', '--port', '0'],
    clients: inetClients('tcp-client.ts', 'tcp_client.py', WORDS),
    expected: 'Received: HELLO WORLD WITH TCP',
  },
  {
    server: 'udp-server.ts',
    serverArgs: () => ['--host', '127.0.0.1', '--port', '0'],
    clients: inetClients('udp-client.ts', 'udp_client.py', ['hello', 'world']),
    expected: 'Received: HELLO WORLD',
  },
  {
    server: 'unix-stream-server.ts',
    serverArgs: () => ['--path', socketPath('stream.sock')],
    clients: unixClient('unix_stream_client.py', ['hello', 'unix', 'stream']),
    expected: 'Received: HELLO UNIX STREAM',
  },
  {
    server: 'unix-datagram-server.ts',
    serverArgs: () => ['--path', socketPath('dgram.sock')],
    clients: unixClient('unix_datagram_client.py', ['hello', 'unix', 'datagram']),
    expected: 'Received: HELLO UNIX DATAGRAM',
  },
];
