import { describe, expect, it } from 'vitest';
import { checkpointFolder, folderName, runFolder } from '../../src/artifacts/run-folder.js';

describe('run folders', () => {
  it('live under the artifact root, named by run id', () => {
    expect(runFolder('/data/runs', 'sleepnet-2026')).toEqual({
      runId: 'sleepnet-2026',
      root: '/data/runs/sleepnet-2026',
      config: '/data/runs/sleepnet-2026/config',
      checkpoints: '/data/runs/sleepnet-2026/checkpoints',
      reports: '/data/runs/sleepnet-2026/reports',
    });
    expect(checkpointFolder(runFolder('/data/runs', 'r'), 1200)).toBe('/data/runs/r/checkpoints/ckpt-000001200');
  });

  it('never escape the artifact root, whatever characters a workflow id holds', () => {
    expect(folderName('team/exp/run')).toBe('team%2Fexp%2Frun');
    expect(folderName('..')).toBe('%2E%2E');
    expect(folderName('a\\b%c')).toBe('a%5Cb%25c');
    expect(runFolder('/runs', '../../etc').root).toBe('/runs/..%2F..%2Fetc');
  });
});
