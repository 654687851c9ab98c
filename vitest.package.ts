import { defineConfig } from 'vitest/config';
import { sharedTestOptions, testFiles } from './vitest.shared.ts';

// Used by each folder's own vitest.config.ts, so `pnpm exec vitest run test/x.test.ts` inside a
// package gets the same limits as a run from the repo root (without it vitest would use its 5 s
// default there and time out tests that pass from the root). Its root is the folder vitest was
// started in.
export default defineConfig({ test: { ...sharedTestOptions, include: testFiles } });
