/**
 * The runtime matrix (not a Python docs example): runs README samples (the quick start, the
 * threading servers, the `sockserve` command, …) and the example servers under another
 * JavaScript runtime, talks to each with Node or Python clients, and prints what works.
 * Exits 1 only when something the README states works under that runtime no longer does.
 *
 *   node examples/runtimes.ts NAME VERSION COMMAND [ARGS…]
 *   node examples/runtimes.ts bun 1.4.5 /path/to/bun
 *   node examples/runtimes.ts deno 2.9.6 /path/to/deno run -A
 * scripts/runtimes.sh installs Bun and Deno from the npm registry and runs this for each.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { EXAMPLE_CASES, removeSocketDirs } from './lib/cases.ts';
import { type ReadmeSample, readmeSamples } from './lib/readme-samples.ts';
import { exchangeLine, startSample } from './lib/run-sample.ts';
import { createSampleProject, REPO_ROOT } from './lib/sample-project.ts';
import { runClient, startExample } from './lib/spawn-example.ts';

/**
 * What the README's "Runtimes and platforms" section states works, per runtime: a case listed
 * here that fails is a regression (exit 1); any other failure is reported, not fatal.
 */
const EVERYTHING_BUT_UNIX_DATAGRAMS = [
  'README quick start (TypeScript, await using)',
  'README ESM server',
  'README .mts server',
  'README CommonJS + threading (require)',
  'sockserve upper.ts (ThreadingTCPServer)',
  'threading README server.ts (ThreadingMixIn)',
  'forking README server.ts (ForkingMixIn)',
  'the sockserve command --threads 4',
  'example tcp-server.ts',
  'example tcp-stream-server.ts',
  'example udp-server.ts',
  'example unix-stream-server.ts',
];
const STATED_TO_WORK: Record<string, readonly string[]> = {
  bun: EVERYTHING_BUT_UNIX_DATAGRAMS,
  deno: EVERYTHING_BUT_UNIX_DATAGRAMS,
};

const SAMPLES: Record<string, string> = {
  'README quick start (TypeScript, await using)': 'quick-start/echo-server.ts',
  'README ESM server': 'esm/server.js',
  'README .mts server': 'mts/server.mts',
  'README CommonJS + threading (require)': 'cjs/server.js',
  'sockserve upper.ts (ThreadingTCPServer)': 'upper.ts',
  'threading README server.ts (ThreadingMixIn)': 'server.ts@threading',
  'forking README server.ts (ForkingMixIn)': 'server.ts@forking',
  'the sockserve command --threads 4': 'command/serve.sh',
};

const [name = '', version = '', ...runtime] = process.argv.slice(2);
if (runtime.length === 0) {
  console.error('usage: node examples/runtimes.ts NAME VERSION COMMAND [ARGS…]');
  process.exit(2);
}

const readmes = [
  'README.md',
  'packages/sockserve/README.md',
  'packages/threading/README.md',
  'packages/forking/README.md',
];
const samples = readmes.flatMap((readme) => readmeSamples(REPO_ROOT, join(REPO_ROOT, readme)));
const project = createSampleProject(samples);
const findSample = (key: string): ReadmeSample | undefined => {
  const [file, pkg] = key.split('@');
  return samples.find(
    (s) => s.file === file && (pkg === undefined || s.readme.includes(`/${pkg}/`)),
  );
};

/** Runs `check`, bounded by `ms`, and returns undefined when it worked or the failure text. */
async function attempt(check: () => Promise<void>, ms = 15_000): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no result in ${ms / 1000} s`)), ms);
  });
  try {
    await Promise.race([check(), timeout]);
    return undefined;
  } catch (error) {
    return (error instanceof Error ? error.message : String(error))
      .split('\n')
      .slice(0, 3)
      .join(' | ');
  } finally {
    clearTimeout(timer);
  }
}

const results: { label: string; failure: string | undefined }[] = [];
for (const [label, key] of Object.entries(SAMPLES)) {
  const sample = findSample(key);
  if (!sample) throw new Error(`no README sample ${key}`);
  let stop: (() => Promise<number | null>) | undefined;
  let kill: (() => Promise<number | null>) | undefined;
  const failure = await attempt(async () => {
    const server = await startSample(project, sample, runtime);
    stop = () => server.stop(sample.stopSignal);
    kill = () => server.stop('SIGKILL');
    const reply = await exchangeLine(server.port, 'hello');
    if (!sample.anyReply && reply.toLowerCase() !== 'hello') throw new Error(`replied ${reply}`);
    const code = await stop();
    if (code !== 0)
      throw new Error(`exit code ${code} on ${sample.stopSignal}: ${server.stderr()}`);
  });
  await kill?.();
  results.push({ label, failure });
}
for (const example of EXAMPLE_CASES) {
  let kill: (() => Promise<number | null>) | undefined;
  const failure = await attempt(async () => {
    const server = await startExample(example.server, example.serverArgs(), runtime);
    kill = () => server.stop('SIGKILL');
    for (const client of example.clients(server.address)) {
      const out = await runClient(client.command, client.args, client.env);
      if (!out.includes(example.expected)) throw new Error(`${client.label}: ${out.trim()}`);
    }
    const code = await server.stop('SIGTERM');
    if (code !== 0) throw new Error(`exit code ${code} on SIGTERM`);
  });
  await kill?.();
  removeSocketDirs();
  results.push({ label: `example ${example.server}`, failure });
}
rmSync(project.dir, { recursive: true, force: true });

const stated = new Set(STATED_TO_WORK[name] ?? []);
let regressions = 0;
console.log(`\n${name} ${version}:`);
for (const { label, failure } of results) {
  const mark = failure === undefined ? 'works  ' : stated.has(label) ? 'BROKEN ' : 'fails  ';
  if (failure !== undefined && stated.has(label)) regressions += 1;
  const note =
    failure === undefined
      ? stated.has(label)
        ? ''
        : '  (works, but the README does not say so)'
      : `  ${failure}`;
  console.log(`  ${mark} ${label}${note}`);
}
const works = results.filter((r) => r.failure === undefined).length;
console.log(
  `runtimes: ${name} ${version}: ${works} of ${results.length} work, ${regressions} regressions`,
);
process.exit(regressions === 0 ? 0 : 1);
