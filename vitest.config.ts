import { delimiter } from 'node:path';
import { tmpdir } from 'node:os';
import { defineConfig } from 'vitest/config';

// Test jobs keep their configs, data and outputs in the system temp folder: the suite's workers may use it besides the checkout.
const roots = [process.cwd(), tmpdir()].join(delimiter);

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One real Temporal dev server for the whole suite (see test/setup/temporal-server.ts).
    globalSetup: ['test/setup/temporal-server.ts'],
    setupFiles: ['test/setup/quiet-temporal.ts'],
    pool: 'forks',
    // Plain output from the CLIs the tests run, whatever the CI's terminal (picocolors colours when CI is set).
    env: { NO_COLOR: '1', EPOCHAL_READ_ROOTS: roots, EPOCHAL_WRITE_ROOTS: roots },
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
