import { defineConfig } from 'vitest/config';

/** `npm run test:browser`: the explorer in a real browser (Debian's chromium, driven by playwright-core). */
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    testTimeout: 90_000,
    hookTimeout: 60_000,
    maxWorkers: 1,
    env: { NODE_ENV: 'test' },
  },
});
