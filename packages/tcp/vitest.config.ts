import { defineProject } from 'vitest/config';

export default defineProject({
  extends: true,
  test: { name: 'tcp', include: ['test/**/*.test.ts'] },
});
