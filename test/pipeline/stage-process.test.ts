import { mkdtemp, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyCheckpoint } from '../../src/checkpoint/checkpoint.js';
import { DataConfig } from '../../src/config/data/data.js';
import { ResourceLimitError } from '../../src/errors.js';
import { buildModelInProcess, prepareDataInProcess, type StageProgress } from '../../src/pipeline/stage-process.js';
import { quickSleepnet } from '../helpers/configs.js';

const scratch = () => mkdtemp(join(tmpdir(), 'epochal-stage-'));

describe('the stage process', () => {
  it('prepares data, forwarding each phase with its counts, and reports its own peak memory', async () => {
    const dir = await scratch();
    const csv = join(dir, 'rows.csv');
    await writeFile(csv, ['id,g,a,b,y', ...Array.from({ length: 500 }, (_, i) => `r${i},g${i % 25},${i},${i % 7},${i % 2}`)].join('\n') + '\n');
    const data = DataConfig.parse({ source: { type: 'csv', path: csv, features: ['a', 'b'], label: 'y', id: 'id', group: 'g' }, classes: ['0', '1'] });
    const reports: StageProgress[] = [];
    let peakMb = 0;
    const ref = await prepareDataInProcess(data, join(dir, 'prepared'), { onProgress: (_done, _total, progress) => void reports.push(progress), onPeakRss: (mb) => (peakMb = mb) });

    expect(ref.records.train + ref.records.validation + ref.records.test).toBe(500);
    expect([...new Set(reports.map((r) => r.phase))]).toEqual(['fingerprinting', 'writing', 'finishing']);
    expect(reports.find((r) => r.phase === 'fingerprinting')).toMatchObject({ unit: 'bytes', total: (await stat(csv)).size });
    const writing = reports.filter((r) => r.phase === 'writing');
    expect(writing[0]!.done).toBe(1); // the first report of a phase is never held back
    expect(writing.at(-1)).toEqual({ phase: 'writing', done: 500, total: 500, unit: 'records' }); // nor its last
    expect(writing.length).toBeLessThan(20); // in between, at most two a second
    expect(peakMb).toBeGreaterThan(20); // a Node process's resident memory, in MB
    expect(peakMb).toBeLessThan(2_000);
  });

  it('builds the model off the calling process, reporting each step, and returns the checkpoint it wrote', async () => {
    const artifactRoot = await scratch();
    const phases: string[] = [];
    const built = await buildModelInProcess({ trainParams: await quickSleepnet(1), artifactRoot, runId: 'run-1' }, { onProgress: (_done, _total, progress) => void phases.push(progress.phase) });
    expect(phases).toEqual(['building', 'writing checkpoint']);
    expect(built.checkpoint.path).toBe(join(artifactRoot, 'run-1', 'checkpoints', 'ckpt-000000000'));
    await verifyCheckpoint(built.checkpoint.path);
    expect(built.parameters.total).toBeGreaterThan(0);
    expect(built.parameters.trainable).toBe(built.parameters.total);
  });

  it('fails a build that outgrows its heap with a non-retryable ResourceLimitError naming the network and the fixes', async () => {
    const error = await buildModelInProcess(
      { trainParams: await quickSleepnet(1), netSourceFile: 'configs/sleepnet-small/net_params.json', artifactRoot: await scratch(), runId: 'run-1' },
      { heapMb: 32 }, // less than TensorFlow.js and the network need
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResourceLimitError);
    expect(error).toMatchObject({ type: 'OutOfMemory', retryable: false, limitMb: 32 });
    expect((error as Error).message).toBe(
      'Building the model ran out of memory: it needs more than the 32 MB this worker gives the stage. ' +
        'The work is sized by the network (configs/sleepnet-small/net_params.json). ' +
        'Fix: make the network smaller (fewer or narrower blocks), or give the stage more memory (EPOCHAL_STAGE_MEMORY_MB on the worker).',
    );
  });
});
