import { readdirSync } from 'node:fs';
import { defineConfig } from 'vitest/config';
import { sharedTestOptions, testFiles } from './vitest.shared.ts';

// One run over every workspace folder with tests, so CI gets a single summary. Tests use real
// loopback sockets; the limits and pool are vitest.shared.ts's, which each folder's own
// vitest.config.ts (for runs started inside it) uses too.
const folders = [
  ...readdirSync('packages', { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => `packages/${entry.name}`),
  'examples',
];

export default defineConfig({
  test: {
    ...sharedTestOptions,
    projects: folders.map((root) => ({
      extends: true,
      test: { name: root.replace(/^packages\//, ''), root, include: testFiles },
    })),
  },
});
