import type { ViteUserConfig } from 'vitest/config';

/**
 * The test options every run shares, whether it starts at the repo root (`vitest.config.ts`, all
 * folders as projects) or inside one package (`packages/<name>/vitest.config.ts`). Tests start
 * real servers, children and external peers (HAProxy, nginx, Python), so a test or hook gets 30 s
 * rather than vitest's 5 s default; files run in forks, tests inside a file in order.
 */
export const sharedTestOptions = {
  pool: 'forks',
  testTimeout: 30_000,
  hookTimeout: 30_000,
} satisfies NonNullable<ViteUserConfig['test']>;

/** The test files of one folder: the same pattern the root config gives each project. */
export const testFiles = ['test/**/*.test.ts'];
