/**
 * Real TLS clients for the tests: Node's `tls.connect`, `openssl s_client` and Python's `ssl`
 * module, each talking to a server on loopback and returning what it saw.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';
import { type ConnectionOptions, connect, type TLSSocket } from 'node:tls';
import type { InetAddress } from '@sockserve/core';

/** What a client saw: the reply, and the server certificate's CN. */
export interface ClientResult {
  readonly reply: string;
  readonly serverCN: string | undefined;
  /** SHA-256 fingerprint of the server's certificate. */
  readonly fingerprint: string;
  readonly alpnProtocol: string | false | null | undefined;
}

/** Sends `line` over `tls.connect` and reads until the server closes. */
export function nodeClient(
  address: InetAddress,
  options: ConnectionOptions,
  line = 'hello\n',
): Promise<ClientResult> {
  return new Promise((resolve, reject) => {
    let fingerprint = '';
    const socket: TLSSocket = connect(
      { host: address.host, port: address.port, ...options },
      () => {
        fingerprint = socket.getPeerCertificate().fingerprint256;
        socket.write(line);
      },
    );
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const cn = socket.getPeerCertificate()?.subject?.CN;
      resolve({
        reply: Buffer.concat(chunks).toString(),
        serverCN: typeof cn === 'string' ? cn : undefined,
        fingerprint,
        alpnProtocol: socket.alpnProtocol,
      });
      socket.end();
    });
  });
}

/**
 * Behind a PROXY header: a TCP connection that writes `header`, then a TLS client over it
 * (CA `ca`, name `localhost`) that sends `hi` and reads until the server ends. The header
 * and the ClientHello may arrive in one read: the server must put the rest back. The TCP
 * socket goes into `open` for the test's teardown.
 */
export function proxiedTlsReply(
  address: InetAddress,
  header: string,
  ca: string,
  open: Set<Socket>,
): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const socket = netConnect(address.port, address.host, () => {
      socket.write(header);
      const secure = connect({ socket, ca, servername: 'localhost' }, () => secure.write('hi\n'));
      let text = '';
      secure.on('data', (chunk: Buffer) => (text += chunk));
      secure.on('end', () => {
        resolve(text);
        secure.end();
      });
      secure.on('error', reject);
    });
    open.add(socket);
  });
}

/**
 * A TLS client on 127.0.0.1:`port` (CA `ca`, name `localhost`) that offers `session` (a ticket)
 * when given: resolves once the handshake is done, with whether it resumed and `ticket()`, the
 * last ticket the server issued on it (TLS 1.3 sends tickets after the handshake).
 */
export async function ticketClient(
  port: number,
  ca: string,
  session?: Buffer,
): Promise<{ socket: TLSSocket; reused: boolean; ticket(): Buffer | undefined }> {
  const socket = connect({
    host: '127.0.0.1',
    port,
    ca,
    servername: 'localhost',
    ...(session === undefined ? {} : { session }),
  });
  let ticket: Buffer | undefined;
  socket.on('session', (data: Buffer) => {
    ticket = data;
  });
  await once(socket, 'secureConnect');
  return { socket, reused: socket.isSessionReused(), ticket: () => ticket };
}

/** What a command-line client printed, and how it exited. */
export interface ProcessResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `command` with `input` on stdin; resolves when it exits. With `until`, stdin stays open
 * until the output satisfies it (a client that would close at end of input before the reply).
 */
export function run(
  command: string,
  args: readonly string[],
  input: string,
  until?: (stdout: string) => boolean,
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (until?.(stdout)) child.stdin.end();
    });
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.on('error', () => {});
    if (until === undefined) child.stdin.end(input);
    else child.stdin.write(input);
  });
}

/**
 * `openssl s_client` to `address`, verifying the server with `caFile`, sending `line`; waits
 * for the reply, then ends its input. `extra`: `-servername`, `-alpn`, `-cert`/`-key`, …
 */
export function sClient(
  address: InetAddress,
  caFile: string,
  extra: readonly string[],
  line = 'hello\n',
): Promise<ProcessResult> {
  return run(
    'openssl',
    [
      's_client',
      '-connect',
      `${address.host}:${address.port}`,
      '-CAfile',
      caFile,
      '-verify_return_error',
      ...extra,
    ],
    line,
    // Input ends once the reply is in (s_client closes at end of input, reply or not).
    (stdout) => REPORT.test(stdout),
  );
}

const PYTHON_CLIENT = `
import json, socket, ssl, sys
host, port, ca, cert, key, name = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
context = ssl.create_default_context(cafile=ca)
if cert:
    context.load_cert_chain(cert, key)
context.set_alpn_protocols(["sockserve/1"])
with socket.create_connection((host, port)) as raw:
    with context.wrap_socket(raw, server_hostname=name) as tls:
        tls.sendall(b"from python\\n")
        data = b""
        while True:
            chunk = tls.recv(4096)
            if not chunk:
                break
            data += chunk
        print(json.dumps({"reply": data.decode(), "version": tls.version(), "alpn": tls.selected_alpn_protocol(), "peer": dict(x[0] for x in tls.getpeercert()["subject"])["commonName"]}))
`;

/** Python's `ssl` module as the client (certificate verified against `caFile`). */
export async function pythonClient(
  address: InetAddress,
  caFile: string,
  client?: { certFile: string; keyFile: string },
  servername = 'localhost',
): Promise<{ reply: string; version: string; alpn: string | null; peer: string }> {
  const result = await run(
    'python3',
    [
      '-c',
      PYTHON_CLIENT,
      address.host,
      String(address.port),
      caFile,
      client?.certFile ?? '',
      client?.keyFile ?? '',
      servername,
    ],
    '',
  );
  if (result.code !== 0) throw new Error(`python client failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

/** The handler's report (flat JSON); s_client may print it amid its own session output. */
const REPORT = /\{"line"[^{}]*\}/;

/** The handler's JSON report in a command-line client's output. */
export function reportIn(stdout: string): Record<string, unknown> {
  const found = REPORT.exec(stdout);
  if (found === null) throw new Error(`no report in the output:\n${stdout}`);
  return JSON.parse(found[0]);
}
