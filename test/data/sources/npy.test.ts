import { readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NpySource, NpzSource } from '../../../src/config/data/sources.js';
import { openNpy, openNpz } from '../../../src/data/sources/npy.js';
import { CONTEXT, dataError, npyBytes, useTempDir, writeNpy, writeNpz, type NpyArraySpec } from '../../helpers/data-files.js';

const tmp = useTempDir();

const FEATURES: NpyArraySpec = { descr: '<f4', shape: [3, 2], values: [1.5, -2, 3, 4.25, 0, 0.5] };
const LABELS: NpyArraySpec = { descr: '<i8', shape: [3], values: [1, 0, 2] };
const GROUPS: NpyArraySpec = { descr: '<U3', shape: [3], values: ['s1', 's1', 'sé2'] };

const RECORDS = [
  { id: '1', group: 's1', fields: { features: { shape: [2], data: Float32Array.of(1.5, -2) }, label: { shape: [], data: Int32Array.of(1) } } },
  { id: '2', group: 's1', fields: { features: { shape: [2], data: Float32Array.of(3, 4.25) }, label: { shape: [], data: Int32Array.of(0) } } },
  { id: '3', group: 'sé2', fields: { features: { shape: [2], data: Float32Array.of(0, 0.5) }, label: { shape: [], data: Int32Array.of(2) } } },
];

async function npyFiles(features: NpyArraySpec, labels?: NpyArraySpec) {
  return NpySource.parse({
    type: 'npy',
    features: await writeNpy(join(tmp.path, 'x.npy'), features),
    ...(labels ? { labels: await writeNpy(join(tmp.path, 'y.npy'), labels) } : {}),
  });
}

async function scratchFolders(): Promise<string[]> {
  return (await readdir(tmpdir())).filter((name) => name.startsWith('epochal-npz-'));
}

describe('openNpy', () => {
  it('reads back the features, labels and groups that were written, one record per row', async () => {
    const source = NpySource.parse({
      type: 'npy',
      features: await writeNpy(join(tmp.path, 'x.npy'), FEATURES),
      labels: await writeNpy(join(tmp.path, 'y.npy'), LABELS),
      groups: await writeNpy(join(tmp.path, 'g.npy'), GROUPS),
    });
    const dataset = await openNpy(source, CONTEXT);

    expect(dataset.length).toBe(3);
    expect(dataset.fields).toEqual({
      features: { kind: 'features', shape: [2], dtype: 'float32' },
      label: { kind: 'label', shape: [], dtype: 'int32' },
    });
    expect(await Promise.all([0, 1, 2].map((i) => dataset.get(i)))).toEqual(RECORDS);
    expect(await dataset.groups()).toEqual(['s1', 's1', 'sé2']);
    expect(dataset.files).toEqual([source.features, source.labels, source.groups]);
    await dataset.close();
  });

  it('reads every supported dtype, rows of any shape, class names as labels and version 2 and 3 headers', async () => {
    const cases: [NpyArraySpec, number[]][] = [
      [{ descr: '<f8', shape: [2, 1], values: [0.25, -1e10], version: 2 }, [0.25, -1e10]],
      [{ descr: '|i1', shape: [2, 1], values: [-128, 127], version: 3 }, [-128, 127]],
      [{ descr: '<i2', shape: [2, 1], values: [-300, 300] }, [-300, 300]],
      [{ descr: '<i4', shape: [2, 1], values: [-70000, 70000] }, [-70000, 70000]],
      [{ descr: '<i8', shape: [2, 1], values: [-5, 2 ** 40] }, [-5, 2 ** 40]],
      [{ descr: '|u1', shape: [2, 1], values: [0, 255] }, [0, 255]],
      [{ descr: '<u2', shape: [2, 1], values: [1, 65535] }, [1, 65535]],
      [{ descr: '<u4', shape: [2, 1], values: [2, 4e9] }, [2, 4e9]],
      [{ descr: '|b1', shape: [2, 1], values: [1, 0] }, [1, 0]],
    ];
    for (const [spec, values] of cases) {
      const dataset = await openNpy(await npyFiles(spec, { descr: '<U4', shape: [2], values: ['fish', '1'] }), CONTEXT);
      const records = await Promise.all([dataset.get(0), dataset.get(1)]);
      expect(records.map((r) => r.fields.features!.data[0]), spec.descr).toEqual(values);
      expect(records.map((r) => r.fields.label!.data[0])).toEqual([2, 1]);
      await dataset.close();
    }
    const cube = await openNpy(await npyFiles({ descr: '<f4', shape: [2, 2, 3], values: Array.from({ length: 12 }, (_, i) => i) }), CONTEXT);
    expect(cube.fields.features!.shape).toEqual([2, 3]);
    expect(await cube.get(1)).toEqual({ id: '2', fields: { features: { shape: [2, 3], data: Float32Array.of(6, 7, 8, 9, 10, 11) } } });
    await cube.close();
  });

  it.each([
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, 'Infinity'],
  ])('reports a %s feature with its position in the array', async (bad, shown) => {
    const source = await npyFiles({ descr: '<f4', shape: [2, 3], values: [0, 1, 2, 3, bad, 5] });
    const dataset = await openNpy(source, CONTEXT);

    expect(await dataError(dataset.get(1))).toEqual({
      message: `${source.features}[1, 1]: expected a finite number, but got ${shown}. Fix: clean or drop the row.`,
      location: { file: source.features, record: 1, field: 'features' },
    });
    await dataset.close();
  });

  it('reports labels outside the classes with their position', async () => {
    const source = await npyFiles(FEATURES, { descr: '<U4', shape: [3], values: ['cat', 'bird', ''] });
    const dataset = await openNpy(source, CONTEXT);

    expect(await dataError(dataset.get(1))).toEqual({
      message:
        `${source.labels}[1]: expected a class name (one of "cat", "dog", "fish") or a class index in [0, 3), but got "bird". ` +
        'Fix: correct the label, or list its class in data.classes.',
      location: { file: source.labels, record: 1, field: 'label' },
    });
    expect(await dataError(dataset.get(2))).toEqual({
      message: `${source.labels}[2]: expected a class label, but got "". Fix: fill in the label or drop the row.`,
      location: { file: source.labels, record: 2, field: 'label' },
    });
    await dataset.close();
  });

  it('reports labels with another number of rows than the features, naming both files', async () => {
    const source = await npyFiles(FEATURES, { descr: '<i4', shape: [2], values: [0, 1] });

    expect(await dataError(openNpy(source, CONTEXT))).toEqual({
      message: `${source.labels}: expected 3 rows, as in ${source.features}, but got 2. Fix: save the features, labels and groups with one row per sample each.`,
      location: { file: source.labels, field: 'label' },
    });
  });

  it.each([
    [
      'a file that is not .npy',
      Buffer.from('rpm,temp\n1,2\n'),
      'expected a NumPy .npy file, but it does not start with the .npy magic string "\\x93NUMPY". Fix: save the array with numpy.save.',
    ],
    [
      'a Fortran-ordered array',
      npyBytes({ ...FEATURES, fortranOrder: true }),
      'expected a C-ordered array, but it is stored in Fortran order. Fix: save numpy.ascontiguousarray(array) instead.',
    ],
    [
      'big-endian data',
      npyBytes({ ...FEATURES, descr: '>f4' }),
      'expected little-endian data, but got dtype ">f4". Fix: save array.astype("<f4") instead.',
    ],
    [
      'an unsupported dtype',
      npyBytes({ descr: '<f2', shape: [1, 1], values: [0] }),
      'expected a dtype of <f4, <f8, <i1, <i2, <i4, <i8, <u1, <u2, <u4, <u8, |b1, or for labels and groups <U (unicode) or |S (bytes), but got "<f2". ' +
        'Fix: save array.astype("<f4") (or, for names, array.astype(str)) instead.',
    ],
    [
      'a truncated file',
      npyBytes(FEATURES).subarray(0, 128 + 20),
      'expected 24 bytes of data for shape [3, 2] and dtype "<f4", but the file holds 20. Fix: the file is cut short; save the array with numpy.save.',
    ],
    [
      'one feature per row as a 1-D array',
      npyBytes({ descr: '<f4', shape: [3], values: [1, 2, 3] }),
      'expected shape [rows, features, ...], but got [3]. Fix: save array.reshape(-1, 1) for one feature per row.',
    ],
  ])('reports %s', async (_, bytes, problem) => {
    const path = join(tmp.path, 'x.npy');
    await writeFile(path, bytes);

    expect(await dataError(openNpy(NpySource.parse({ type: 'npy', features: path }), CONTEXT))).toEqual({
      message: `${path}: ${problem}`,
      location: problem.startsWith('expected shape') ? { file: path, field: 'features' } : { file: path },
    });
  });

  it('reports a missing file', async () => {
    const path = join(tmp.path, 'missing.npy');

    expect(await dataError(openNpy(NpySource.parse({ type: 'npy', features: path }), CONTEXT))).toEqual({
      message: `${path}: expected a readable file, but it does not exist. Fix: check the path in the data source.`,
      location: { file: path },
    });
  });
});

describe('openNpz', () => {
  it.each(['stored', 'deflated'] as const)('reads back the arrays of a %s archive and removes its scratch files on close', async (compression) => {
    const path = await writeNpz(join(tmp.path, 'd.npz'), { x: FEATURES, y: LABELS, subjects: GROUPS }, compression);
    const before = await scratchFolders();

    const dataset = await openNpz(NpzSource.parse({ type: 'npz', path, keys: { labels: 'y', groups: 'subjects' } }), CONTEXT);

    expect((await scratchFolders()).length).toBe(before.length + (compression === 'deflated' ? 1 : 0));
    expect(await Promise.all([2, 1, 0].map((i) => dataset.get(i)))).toEqual(RECORDS.slice().reverse());
    expect(dataset.describe()).toBe(`NumPy ${path}["x"]: 3 rows of shape [2] (<f4), labels ${path}["y"], groups ${path}["subjects"]`);
    await dataset.close();
    expect(await scratchFolders()).toEqual(before);
  });

  it('names an array the archive lacks, the arrays it has and the closest one', async () => {
    const path = await writeNpz(join(tmp.path, 'd.npz'), { x: FEATURES, labels: LABELS }, 'deflated');
    const before = await scratchFolders();

    expect(await dataError(openNpz(NpzSource.parse({ type: 'npz', path, keys: { labels: 'label' } }), CONTEXT))).toEqual({
      message: `${path}: expected an array "label" (keys.labels), but the archive has "x", "labels". Did you mean "labels"? Fix: set keys.labels in the data source to one of them.`,
      location: { file: path, field: 'label' },
    });
    expect(await scratchFolders()).toEqual(before);
  });

  it('reports bad values at their position in the member array', async () => {
    const path = await writeNpz(join(tmp.path, 'd.npz'), { x: { ...FEATURES, values: [1, 2, 3, Number.NaN, 5, 6] } }, 'stored');
    const dataset = await openNpz(NpzSource.parse({ type: 'npz', path }), CONTEXT);

    expect(await dataError(dataset.get(1))).toEqual({
      message: `${path}["x"][1, 1]: expected a finite number, but got NaN. Fix: clean or drop the row.`,
      location: { file: path, record: 1, field: 'features' },
    });
    await dataset.close();
  });

  it('reports a file that is not a zip archive', async () => {
    const path = join(tmp.path, 'd.npz');
    await writeFile(path, npyBytes(FEATURES));

    expect(await dataError(openNpz(NpzSource.parse({ type: 'npz', path }), CONTEXT))).toEqual({
      message: `${path}: expected a NumPy .npz archive (a zip of .npy files), but it is not a readable zip file (End of central directory record signature not found. Either not a zip file, or file is truncated). Fix: save it with numpy.savez or numpy.savez_compressed.`,
      location: { file: path },
    });
  });
});
