import { readdirSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// One run over every workspace folder with tests, so CI gets a single summary. Tests use real
// loopback sockets; files run in parallel (forks), tests inside a file in order.
const folders = [
  ...readdirSync('packages', { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => `packages/${entry.name}`),
  'examples',
];

export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: folders.map((root) => ({
      extends: true,
      test: { name: root.replace(/^packages\//, ''), root, include: ['test/**/*.test.ts'] },
    })),
  },
});
