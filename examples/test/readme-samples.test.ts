/**
 * The README samples, so they can't rot: every marked TypeScript / JavaScript sample of
 * README.md, packages/*\/README.md and docs/*.md type-checks against the built packages, and every sample
 * marked `run` (ESM, `.mts`, CommonJS with a worker thread, the `sockserve` command) starts,
 * answers a line and exits 0 on SIGTERM. The marker is described in examples/lib/readme-samples.ts.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { markerCount, type ReadmeSample, readmeSamples } from '../lib/readme-samples.ts';
import { exchangeLine, type RunningSample, startSample } from '../lib/run-sample.ts';
import { createSampleProject, REPO_ROOT } from '../lib/sample-project.ts';

const readmes = [
  join(REPO_ROOT, 'README.md'),
  ...readdirSync(join(REPO_ROOT, 'packages')).map((p) =>
    join(REPO_ROOT, 'packages', p, 'README.md'),
  ),
  ...readdirSync(join(REPO_ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => join(REPO_ROOT, 'docs', f)),
].filter((path) => existsSync(path) && markerCount(path) > 0);
const samples: ReadmeSample[] = readmes.flatMap((path) => readmeSamples(REPO_ROOT, path));
const project = createSampleProject(samples);
afterAll(() => rmSync(project.dir, { recursive: true, force: true }));

const nodeMajor = Number(process.versions.node.split('.')[0]);

it('every marker is a well-formed sample, and there are samples to check', () => {
  for (const path of readmes) {
    expect(readmeSamples(REPO_ROOT, path).length, path).toBe(markerCount(path));
  }
  expect(samples.filter((s) => s.run).length).toBeGreaterThanOrEqual(4);
});

async function typeCheck(compiler: string, tsconfig: string): Promise<string> {
  const tsc = join(REPO_ROOT, 'node_modules', compiler, 'bin/tsc');
  const result = await promisify(execFile)(process.execPath, [tsc, '-p', tsconfig], {
    cwd: project.dir,
  }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? String(error) }));
  return result.stdout.replaceAll(project.dir, '');
}

// The README says: tested with TypeScript 5.9 and 7; from 6 on, "types": ["node"] is needed.
it.each([
  ['5.9', 'typescript'],
  ['7', 'typescript-7'],
])(
  'every TypeScript and JavaScript sample type-checks with TypeScript %s',
  async (_v, compiler) => {
    expect(await typeCheck(compiler, join(project.dir, 'tsconfig.json'))).toBe('');
  },
);

it('without "types": ["node"], TypeScript 7 rejects the samples (the README says to add it)', async () => {
  const tsconfig = join(project.dir, 'tsconfig.no-node-types.json');
  writeFileSync(
    tsconfig,
    JSON.stringify({ extends: './tsconfig.json', compilerOptions: { types: [] } }),
  );
  expect(await typeCheck('typescript-7', tsconfig)).toMatch(
    /error TS2591: Cannot find name 'process'/,
  );
});

describe.each(samples.filter((s) => s.run).map((s) => [`${s.readme}: ${s.file}`, s] as const))(
  '%s',
  (_name, sample) => {
    // Node 22 runs no `await using` in plain .ts (the README says: compile it, or use finally).
    const unsupported = nodeMajor < 24 && sample.code.includes('await using');
    it.skipIf(unsupported)(
      `starts, answers a line, and exits 0 on ${sample.stopSignal}`,
      async () => {
        let server: RunningSample | undefined;
        try {
          server = await startSample(project, sample);
          const reply = await exchangeLine(server.port, 'hello');
          if (sample.anyReply) expect(reply.length).toBeGreaterThan(0);
          else expect(reply.toLowerCase()).toBe('hello');
          expect(await server.stop(sample.stopSignal), server.stderr()).toBe(0);
        } finally {
          await server?.stop('SIGKILL');
        }
      },
    );
  },
);
