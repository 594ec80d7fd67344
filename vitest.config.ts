import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One real Temporal dev server for the whole suite (see test/setup/temporal-server.ts).
    globalSetup: ['test/setup/temporal-server.ts'],
    setupFiles: ['test/setup/quiet-temporal.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
