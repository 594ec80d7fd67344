import { delimiter } from 'node:path';
import { tmpdir } from 'node:os';
import { defineConfig } from 'vitest/config';

// Test jobs keep their configs, data and outputs in the system temp folder: the suite's workers may use it besides the checkout.
const roots = [process.cwd(), tmpdir()].join(delimiter);

/**
 * Tests whose subject is timing under a real clock (a worker killed while it
 * holds a chunk, a heartbeat or stall timeout of a few seconds, a per-shard
 * time budget): they run one file at a time, after the rest, so no other test
 * competes for the CPU while they measure.
 */
const TIMED = [
  'test/workflows/crash.test.ts',
  'test/workflows/inference-crash.test.ts',
  'test/workflows/stall.test.ts',
  'test/workflows/prepare-heartbeats.test.ts',
  'test/workflows/sweep.test.ts',
  'test/workflows/batch-inference-history.test.ts',
  'test/topology/many-machines.test.ts',
  'test/process/stall.test.ts',
];

export default defineConfig({
  test: {
    // One real Temporal dev server per group of files (see test/setup/temporal-server.ts).
    globalSetup: ['test/setup/temporal-server.ts'],
    setupFiles: ['test/setup/quiet-temporal.ts'],
    pool: 'forks',
    // Plain output from the CLIs the tests run, whatever the CI's terminal (picocolors colours when CI is set).
    env: { NO_COLOR: '1', EPOCHAL_READ_ROOTS: roots, EPOCHAL_WRITE_ROOTS: roots },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      // Two files at a time even on two cores: most of a file's time is spent waiting on servers, workers and child processes.
      { extends: true, test: { name: 'suite', include: ['test/**/*.test.ts'], exclude: TIMED, maxWorkers: 2, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'timed', include: TIMED, maxWorkers: 1, sequence: { groupOrder: 1 } } },
    ],
  },
});
