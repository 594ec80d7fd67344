import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One real Temporal dev server for the whole suite (see test/setup/temporal-server.ts).
    globalSetup: ['test/setup/temporal-server.ts'],
    setupFiles: ['test/setup/quiet-temporal.ts'],
    pool: 'forks',
    // Plain output from the CLIs the tests run, whatever the CI's terminal (picocolors colours when CI is set).
    env: { NO_COLOR: '1' },
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
