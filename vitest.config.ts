import { defineConfig } from 'vitest/config';

// One run over every workspace project, so CI gets a single summary. Tests use real
// loopback sockets; files run in parallel (forks), tests inside a file in order.
export default defineConfig({
  test: {
    projects: ['packages/*', 'examples'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
