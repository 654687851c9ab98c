/**
 * A scratch project that holds README samples the way a user has them: the built packages
 * linked into `node_modules` (as an install from the registry would put them), a package.json
 * with the sample's `"type"` next to each sample, and a tsconfig as the README recommends.
 */
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReadmeSample } from './readme-samples.ts';

/** The repository's root folder. */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The published packages, by folder under packages/. */
const PACKAGES: Record<string, string> = {
  '@sockserve/core': 'core',
  '@sockserve/stream': 'stream',
  '@sockserve/tcp': 'tcp',
  '@sockserve/udp': 'udp',
  '@sockserve/unix': 'unix',
  '@sockserve/threading': 'threading',
  '@sockserve/forking': 'forking',
  sockserve: 'sockserve',
};

/** A scratch project on disk. */
export interface SampleProject {
  readonly dir: string;
  /** Absolute path of a sample's file in the project. */
  pathOf(sample: ReadmeSample): string;
}

/** The folder a README's samples go to: `root` for README.md, else its path as one name. */
export function readmeFolder(readme: string): string {
  if (readme === 'README.md') return 'root';
  return readme
    .replace(/^packages\//, '')
    .replace(/\/README\.md$/, '')
    .replace(/[^\w-]+/g, '-');
}

/** Writes the samples (with `9999` ports turned into `0`, any free port) into a new project. */
export function createSampleProject(samples: readonly ReadmeSample[]): SampleProject {
  const dir = mkdtempSync(join(tmpdir(), 'sockserve-samples-'));
  const modules = join(dir, 'node_modules');
  for (const [name, folder] of Object.entries(PACKAGES)) {
    const target = join(modules, name);
    mkdirSync(dirname(target), { recursive: true });
    symlinkSync(join(REPO_ROOT, 'packages', folder), target, 'dir');
  }
  const require = createRequire(join(REPO_ROOT, 'package.json'));
  const typesNode = dirname(require.resolve('@types/node/package.json'));
  mkdirSync(join(modules, '@types'), { recursive: true });
  symlinkSync(realpathSync(typesNode), join(modules, '@types/node'), 'dir');
  const bin = join(modules, '.bin', 'sockserve');
  mkdirSync(dirname(bin), { recursive: true });
  const cli = join(REPO_ROOT, 'packages/sockserve/dist/cli/main.js');
  writeFileSync(bin, `#!/bin/sh\nexec "${process.execPath}" "${cli}" "$@"\n`);
  chmodSync(bin, 0o755);

  // The linked packages as dependencies, as `npm install` would record them (Deno reads them).
  const dependencies = Object.fromEntries(Object.keys(PACKAGES).map((name) => [name, '*']));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ private: true, dependencies }));
  const pathOf = (sample: ReadmeSample) => join(dir, readmeFolder(sample.readme), sample.file);
  for (const sample of samples) {
    const file = pathOf(sample);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(
      join(dirname(file), 'package.json'),
      JSON.stringify({ type: sample.type, dependencies }),
    );
    writeFileSync(file, sample.code.replaceAll('9999', '0'));
  }
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'esnext',
        module: 'nodenext',
        moduleResolution: 'nodenext',
        strict: true,
        noEmit: true,
        allowJs: true,
        checkJs: true,
        skipLibCheck: true,
        types: ['node'],
      },
      include: ['**/*.ts', '**/*.mts', '**/*.js', '**/*.mjs'],
      exclude: ['node_modules'],
    }),
  );
  return { dir, pathOf };
}
