import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Servers under test bind loopback port 0; two workers match the 2-core machines.
    maxWorkers: 2,
    env: { NODE_ENV: 'test' },
  },
});
