import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Hdf5Source } from '../../../src/config/data/sources.js';
import type { DatasetContext } from '../../../src/data/dataset.js';
import { openHdf5 } from '../../../src/data/sources/hdf5.js';
import { dataError, useTempDir, writeNight, type NightFile } from '../../helpers/data-files.js';

const tmp = useTempDir();
const STAGES: DatasetContext = { classes: ['W', 'N1', 'N2', 'N3', 'REM'], target: 'stages', ignoreLabel: -1 };
/** Four samples per epoch: 2 Hz × 2 s. */
const RATE = { samplingRateHz: 2, epochSeconds: 2 };

function source(files: string | string[]) {
  return Hdf5Source.parse({ type: 'hdf5', files, ...RATE });
}

/** ECG samples 0, 1, 2, ... as `[epochs, 4]`, or as `[samples]`. */
function ecgs(shape: number[]): NightFile['ecgs'] {
  const count = shape.reduce((n, d) => n * d, 1);
  return { shape, values: Float32Array.from({ length: count }, (_, i) => i) };
}

const NIGHT: NightFile = { ecgs: ecgs([3, 4]), demographics: [40, 1], midnightOffset: -3600, stages: [0, 4, -1, -1, -1] };

describe('openHdf5', () => {
  it('reads back a night stored as [epochs, samples], with hours since midnight and the stages cut to the night', async () => {
    const path = await writeNight(join(tmp.path, 's01.h5'), NIGHT);
    const dataset = await openHdf5(source(path), STAGES);

    expect(dataset.length).toBe(1);
    expect(dataset.fields).toEqual({
      ecg: { kind: 'signal', shape: [null, 4], dtype: 'float32', samplingRateHz: 2 },
      additional: { kind: 'features', shape: [null, 3], dtype: 'float32' },
      stages: { kind: 'label', shape: [null], dtype: 'int32' },
      weights: { kind: 'weight', shape: [null], dtype: 'float32' },
    });
    expect(await dataset.get(0)).toEqual({
      id: 's01',
      group: 's01',
      fields: {
        ecg: { shape: [3, 4], data: Float32Array.from({ length: 12 }, (_, i) => i) },
        additional: { shape: [3, 3], data: Float32Array.of(40, 1, -1, 40, 1, -1 + 2 / 3600, 40, 1, -1 + 4 / 3600) },
        stages: { shape: [3], data: Int32Array.of(0, 4, -1) },
        weights: { shape: [3], data: Float32Array.of(1, 1, 1) },
      },
    });
  });

  it('cuts a continuous 1-D ECG into whole epochs, pads short stages with -1 and weights with 1', async () => {
    const path = await writeNight(join(tmp.path, 's02.h5'), {
      ecgs: ecgs([10]),
      demographics: [55],
      midnightOffset: 1800,
      stages: [2],
      weights: [0.5],
    });
    const dataset = await openHdf5(source(path), STAGES);

    expect(await dataset.get(0)).toEqual({
      id: 's02',
      group: 's02',
      fields: {
        ecg: { shape: [2, 4], data: Float32Array.of(0, 1, 2, 3, 4, 5, 6, 7) },
        additional: { shape: [2, 2], data: Float32Array.of(55, 0.5, 55, 0.5 + 2 / 3600) },
        stages: { shape: [2], data: Int32Array.of(2, -1) },
        weights: { shape: [2], data: Float32Array.of(0.5, 1) },
      },
    });
  });

  it('expands globs and lists into sorted files, one subject each', async () => {
    await mkdir(join(tmp.path, 'more'));
    for (const name of ['s03', 's01', 's02']) await writeNight(join(tmp.path, `${name}.h5`), NIGHT);
    const other = await writeNight(join(tmp.path, 'more', 'a00.h5'), NIGHT);

    const dataset = await openHdf5(source([join(tmp.path, '*.h5'), other]), STAGES);

    expect(dataset.files).toEqual([other, ...['s01', 's02', 's03'].map((name) => join(tmp.path, `${name}.h5`))]);
    expect(dataset.groups()).toEqual(['a00', 's01', 's02', 's03']);
    expect((await dataset.get(3)).id).toBe('s03');
  });

  it('reports demographics of another length than the first file’s', async () => {
    const first = await writeNight(join(tmp.path, 'a.h5'), NIGHT);
    const second = await writeNight(join(tmp.path, 'b.h5'), { ...NIGHT, demographics: [40, 1, 7] });
    const dataset = await openHdf5(source(join(tmp.path, '*.h5')), STAGES);

    expect(await dataError(dataset.get(1))).toEqual({
      message: `${second}, dataset "demographics": expected 2 values, as in ${first}, but got 3. Fix: give every subject the same demographic features.`,
      location: { file: second, field: 'demographics' },
    });
  });

  it('reports stages past the end of the night that are not padding', async () => {
    const path = await writeNight(join(tmp.path, 'a.h5'), { ...NIGHT, stages: [0, 1, 2, -1, 3] });
    const dataset = await openHdf5(source(path), STAGES);

    expect(await dataError(dataset.get(0))).toEqual({
      message: `${path}, dataset "stages": expected only padding (-1) after the night's 3 ECG epochs, but got 3 at [4]. Fix: cut the stages to the night's length, or pad them with -1.`,
      location: { file: path, field: 'stages' },
    });
  });

  it('reports a non-finite ECG sample and an unknown stage at their record and position', async () => {
    const values = Float32Array.from({ length: 12 }, (_, i) => (i === 6 ? Number.NaN : i));
    const nan = await writeNight(join(tmp.path, 'nan.h5'), { ...NIGHT, ecgs: { shape: [3, 4], values } });
    const stage = await writeNight(join(tmp.path, 'stage.h5'), { ...NIGHT, stages: [0, 5, 1] });
    const dataset = await openHdf5(source([nan, stage]), STAGES);

    expect(await dataError(dataset.get(0))).toEqual({
      message: `${nan} record 0 (id "nan"), field "ecg": expected finite numbers, but got NaN at [1, 2]. Fix: clean or drop the record.`,
      location: { file: nan, record: 0, field: 'ecg' },
    });
    expect(await dataError(dataset.get(1))).toEqual({
      message:
        `${stage} record 1 (id "stage"), field "stages": expected class indices in [0, 5) or the ignore label -1, but got 5 at [1]. ` +
        'Fix: correct the labels, or list their classes in data.classes.',
      location: { file: stage, record: 1, field: 'stages' },
    });
  });

  it('reports an ECG whose epochs do not match the sampling rate', async () => {
    const path = await writeNight(join(tmp.path, 'a.h5'), { ...NIGHT, ecgs: ecgs([2, 5]) });

    expect(await dataError(openHdf5(source(path), STAGES))).toEqual({
      message: `${path}, dataset "ecgs": expected 4 samples per epoch (2 Hz × 2 s), but got shape [2, 5]. Fix: set samplingRateHz and epochSeconds in the data source to match the file.`,
      location: { file: path, field: 'ecgs' },
    });
  });

  it('reports a missing dataset with the datasets there are', async () => {
    const path = await writeNight(join(tmp.path, 'a.h5'), { ...NIGHT, demographics: undefined });

    expect(await dataError(openHdf5(source(path), STAGES))).toEqual({
      message: `${path}: expected a dataset "demographics" (datasets.demographics), but the file has "ecgs", "midnight_offset", "stages". Fix: set datasets.demographics in the data source to the name the files use.`,
      location: { file: path, field: 'demographics' },
    });
  });

  it('reports a missing file and a glob that matches nothing', async () => {
    const missing = join(tmp.path, 'missing.h5');
    const pattern = join(tmp.path, '*.hdf5');

    expect(await dataError(openHdf5(source(missing), STAGES))).toEqual({
      message: `${missing}: expected a readable file, but it does not exist. Fix: check files in the data source.`,
      location: { file: missing },
    });
    expect(await dataError(openHdf5(source(pattern), STAGES))).toEqual({
      message: `${pattern}: expected HDF5 files matching this pattern, but none match. Fix: check files in the data source.`,
      location: { file: pattern },
    });
  });

  it('reports a file that is not HDF5, and one that is cut short, in HDF5’s words', async () => {
    const text = join(tmp.path, 'text.h5');
    await writeFile(text, 'not an HDF5 file\n');
    const whole = await readFile(await writeNight(join(tmp.path, 'whole.h5'), NIGHT));
    const cut = join(tmp.path, 'cut.h5');
    await writeFile(cut, whole.subarray(0, 100));

    expect(await dataError(openHdf5(source(text), STAGES))).toEqual({
      message: `${text}: expected an HDF5 file, but it does not carry the HDF5 signature. Fix: check that the file is HDF5 (.h5).`,
      location: { file: text },
    });
    expect(await dataError(openHdf5(source(cut), STAGES))).toEqual({
      message:
        `${cut}: expected a readable HDF5 file, but HDF5 reports "truncated file: eof = 100, sblock->base_addr = 0, stored_eof = ${whole.length}". ` +
        'Fix: check the file, or export it again.',
      location: { file: cut },
    });
  });

  it('reports two files that would give one subject id', async () => {
    await mkdir(join(tmp.path, 'more'));
    const first = await writeNight(join(tmp.path, 's01.h5'), NIGHT);
    const second = await writeNight(join(tmp.path, 'more', 's01.h5'), NIGHT);

    expect(await dataError(openHdf5(source([first, second]), STAGES))).toEqual({
      message: `${first}: expected one file per subject with its own name, but ${second} has the same name "s01". Fix: rename one of them.`,
      location: { file: first },
    });
  });
});
