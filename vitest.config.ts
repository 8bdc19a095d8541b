import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // tfjs and sharp hold process-wide state (registered kernels, backends): isolate files in forks.
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
