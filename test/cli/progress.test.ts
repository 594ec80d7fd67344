import { Writable } from 'node:stream';
import { SingleBar } from 'cli-progress';
import { describe, expect, it } from 'vitest';
import { statusHeadline, trainingFields } from '../../src/cli/commands/control.js';
import { BAR_FORMAT, barValues, phaseLabel } from '../../src/cli/progress.js';
import { formatDuration } from '../../src/duration.js';
import { fieldLine, labelWidth } from '../../src/cli/shared.js';
import type { Progress } from '../../workflows/definitions.js';

/** A run three chunks into a five-epoch budget, 200 s of training to go. */
const training: Progress = {
  phase: 'training',
  epoch: 3,
  epochs: 5,
  step: 60,
  latest: { epoch: 3, loss: 0.51234, val_cohenKappa: 0.4321, seconds: 60 },
  etaSeconds: 200,
  learningRate: 0.001,
  checkpoint: 'runs/r/checkpoints/ckpt-60',
  paused: false,
  stopRequested: false,
  history: [],
};
const { latest: _latest, etaSeconds: _eta, ...untimed } = training;
/** The first chunk, still running: no epoch done, so no pace to estimate from. */
const firstChunk: Progress = { ...untimed, epoch: 0, step: 0 };

/** Renders the bar once, as a terminal would show it, for `progress`. */
function renderBar(progress: Progress): string {
  let out = '';
  const stream = new Writable({ write: (chunk: Buffer, _encoding, done) => ((out += chunk.toString()), done()) });
  const bar = new SingleBar({ format: BAR_FORMAT, stream, noTTYOutput: true, notTTYSchedule: 10 });
  bar.start(progress.epochs, progress.epoch, barValues(progress, undefined));
  bar.stop();
  return out;
}

describe('following a run', () => {
  it('formats durations as a person reads them', () => {
    expect([0, 45, 59.4, 59.6, 200, 605, 3599.6, 3900, 27_000].map((seconds) => formatDuration(seconds))).toEqual([
      '0 s',
      '45 s',
      '59 s',
      '1 min 00 s',
      '3 min 20 s',
      '10 min 05 s',
      '1 h 00 min',
      '1 h 05 min',
      '7 h 30 min',
    ]);
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('—');
  });

  it("the bar shows the workflow's ETA with its unit, and a dash before the first chunk has timed the pace", () => {
    expect(barValues(training, undefined)).toEqual({ phase: 'training', epoch: 3, epochs: 5, step: 60, loss: '0.5123', metric: 'val kappa 0.432', remaining: '3 min 20 s' });
    expect(barValues(firstChunk, { epoch: 0, step: 4, loss: 0.9, checkpoint: '' })).toMatchObject({ step: 4, loss: '0.9000', metric: '—', remaining: '—' });
    expect(renderBar(training)).toContain('epoch 3/5 · step 60 · loss 0.5123 · val kappa 0.432 · ETA 3 min 20 s');
    const first = renderBar(firstChunk);
    expect(first).toContain('· ETA —');
    expect(first).not.toContain('INF');
  });

  it('the bar shows no ETA once training is over or a stop is pending', () => {
    expect(barValues({ ...training, stopRequested: true }, undefined).remaining).toBe('—');
    expect(barValues({ ...training, phase: 'evaluating', etaSeconds: 80 }, undefined).remaining).toBe('—');
    expect(barValues({ ...training, phase: 'done', etaSeconds: 80 }, undefined).remaining).toBe('—');
  });

  it('a pause asked for while a chunk trains reads "pausing"; it reads "paused" once it holds at the boundary', () => {
    expect(phaseLabel({ phase: 'training', paused: true })).toBe('pausing');
    expect(phaseLabel({ phase: 'paused', paused: true })).toBe('paused');
    expect(phaseLabel({ phase: 'evaluating', paused: true })).toBe('evaluating');
    expect(barValues({ ...training, paused: true }, undefined).phase).toBe('pausing');
  });
});

describe('epochal status of a training run', () => {
  it('a running run shows its ETA and a pending pause; a pending stop replaces the ETA', () => {
    expect(Object.fromEntries(trainingFields({ ...training, paused: true }, true))).toMatchObject({ ETA: '3 min 20 s', pausing: 'at the end of the current chunk' });
    const stopping = Object.fromEntries(trainingFields({ ...training, stopRequested: true }, true));
    expect(stopping).toMatchObject({ stopping: 'at the end of the current chunk' });
    expect(stopping).not.toHaveProperty('ETA');
    expect(Object.fromEntries(trainingFields({ ...training, phase: 'paused', paused: true }, true)).ETA).toBe('3 min 20 s of training once resumed');
  });

  it('a finished run shows no ETA and no pending stop, whatever the last progress held', () => {
    const labels = (progress: Progress, running: boolean) => trainingFields(progress, running).map(([label]) => label);
    expect(labels({ ...training, phase: 'done', stopRequested: true }, false)).toEqual(['epochs', 'latest', 'learning rate', 'checkpoint']);
    expect(labels({ ...training, phase: 'training', stopRequested: true }, false)).not.toContain('ETA'); // a failed run
    expect(labels({ ...training, phase: 'evaluating', stopRequested: true }, true)).not.toContain('stopping');
  });

  it('a run still validating, preparing or building shows no training fields (it has no epochs yet)', () => {
    expect(trainingFields({ ...untimed, phase: 'preparing', epoch: 0, epochs: 0, step: 0, learningRate: 0 }, true)).toEqual([]);
  });

  it('says how a run stands in its headline', () => {
    expect(statusHeadline('r', 'running', 'pausing')).toBe('r: running, pausing');
    expect(statusHeadline('r', 'completed', 'done')).toBe('r: completed, done');
    expect(statusHeadline('r', 'failed', 'training')).toBe('r: failed while training');
    expect(statusHeadline('r', 'terminated', undefined)).toBe('r: terminated');
  });

  it('aligns every value, "learning rate" (13 characters) included', () => {
    const fields = trainingFields(training, true);
    const lines = fields.map(([label, value]) => fieldLine(label, value, labelWidth(fields)));
    const columns = new Set(lines.map((line, i) => line.indexOf(fields[i]![1])));
    expect(lines.find((line) => line.includes('learning rate'))).toBe('  learning rate 0.001');
    expect(columns.size).toBe(1);
  });
});
