/**
 * Issue 11, on its own (not in the matrix): the system calls one TCP (or Unix stream)
 * connection per request costs the server — sockserve sequential (`UpperEchoHandler`),
 * Python's `TCPServer` / `UnixStreamServer` and raw `net` — counted by `strace -c -f`
 * attached to each server after a warm-up, `--clients` clients at once (`sockload --per-request`).
 *
 *   node bench/strace-connection.ts [--transport tcp|unix] [--warm 2000] [--requests 1000]
 *     [--clients 1]
 *
 * Prints, per side, calls per connection by system call (futex and the other calls of V8's
 * helper threads included: `-f`), then one JSON line.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildSockload, runLoad } from './lib/loadgen.ts';
import { cleanUpOnExit, startServer, stopEverything } from './lib/processes.ts';
import { python, rawNode, type Side, sockserve } from './lib/scenarios.ts';

const { values } = parseArgs({
  options: {
    transport: { type: 'string', default: 'tcp' },
    warm: { type: 'string', default: '2000' },
    requests: { type: 'string', default: '1000' },
    clients: { type: 'string', default: '1' },
  },
});
/** Clients at once (the matrix runs 50: connections then wait in the server's queue). */
const clients = Number(values.clients);
if (!(Number.isInteger(clients) && clients >= 1))
  throw new Error('--clients must be an integer >= 1');
const transport = values.transport;
if (transport !== 'tcp' && transport !== 'unix') throw new Error('--transport must be tcp or unix');
const warm = Number(values.warm);
const requests = Number(values.requests);
cleanUpOnExit();
const sockload = buildSockload();
const dir = mkdtempSync(join(tmpdir(), 'sockserve-strace-'));

/** Calls per system call name from an `strace -c` summary. */
function parseSummary(text: string): Map<string, number> {
  const calls = new Map<string, number>();
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    // % time, seconds, usecs/call, calls, [errors,] syscall
    if (fields.length < 5 || !/^\d/.test(fields[0] ?? '')) continue;
    const name = fields[fields.length - 1] as string;
    if (name === 'total') continue;
    calls.set(name, Number(fields[3]));
  }
  return calls;
}

/** Runs `side`, warms it up, then counts `requests` connections' system calls. */
async function measure(side: Side, label: string) {
  const out = join(dir, `${label}.txt`);
  const server = await startServer(side.spec, { timeoutMs: 60_000 });
  const load = { conns: clients, duration: 3600, perRequest: true, timeoutMs: 60_000 };
  await runLoad(sockload, server, { ...load, maxRequests: warm });
  const tracer = spawn('strace', ['-c', '-f', '-p', String(server.pid), '-o', out], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // strace says "Process N attached" on stderr once it traces the server.
  let said = '';
  tracer.stderr.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    tracer.stderr.on('data', (chunk: string) => {
      said += chunk;
      if (said.includes('attached')) resolve();
    });
    tracer.once('exit', (code) => reject(new Error(`strace ended (${code}): ${said.trim()}`)));
  });
  const result = await runLoad(sockload, server, { ...load, maxRequests: requests });
  tracer.kill('SIGINT');
  await once(tracer, 'exit');
  await server.stop();
  return {
    label: side.label,
    served: result.requests,
    calls: parseSummary(readFileSync(out, 'utf8')),
  };
}

const sides: [Side, string][] = [
  [sockserve(transport, 'sequential'), 'sockserve'],
  [python(transport, 'sequential'), 'python'],
  [rawNode(transport), 'raw'],
];
const summary: Record<string, Record<string, number>> = {};
for (const [side, label] of sides) {
  const r = await measure(side, label);
  const per: Record<string, number> = {};
  let total = 0;
  for (const [name, count] of [...r.calls].sort((a, b) => b[1] - a[1])) {
    per[name] = Number((count / requests).toFixed(2));
    total += count;
  }
  summary[label] = { total: Number((total / requests).toFixed(2)), ...per };
  console.log(
    `${r.label}: ${(total / requests).toFixed(2)} system calls a connection (${r.served} served)`,
  );
  for (const [name, n] of Object.entries(per))
    console.log(`  ${n.toFixed(2).padStart(7)}  ${name}`);
}
stopEverything();
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify({ transport, clients, warm, requests, perConnection: summary }));
