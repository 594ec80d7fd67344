import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JsonlSource } from '../../../src/config/data/sources.js';
import { openJsonl } from '../../../src/data/sources/jsonl.js';
import { CONTEXT, dataError, useTempDir, writeJsonl } from '../../helpers/data-files.js';

const tmp = useTempDir();

function source(path: string, keys: Record<string, unknown> = {}) {
  return JsonlSource.parse({ type: 'jsonl', path, features: ['rpm', 'temp'], label: 'label', ...keys });
}

describe('openJsonl', () => {
  it('reads back the ids, groups, features and labels that were written, skipping blank lines', async () => {
    const path = join(tmp.path, 'm.jsonl');
    await writeFile(
      path,
      '{"id": "a", "subject": 7, "rpm": 1.5, "temp": -2, "label": "dog"}\n\n  \r\n' +
        '{"id": 2, "subject": "s2", "rpm": "3", "temp": 4.25, "label": 2, "extra": [1]}\r\n' +
        '{"id": "c", "subject": "s2", "rpm": 0, "temp": 1e-3, "label": "0"}',
    );
    const dataset = await openJsonl(source(path, { id: 'id', group: 'subject' }), CONTEXT);

    expect(dataset.length).toBe(3);
    expect(Array.from(dataset.lines)).toEqual([0, 65, 1, 71, 150, 4, 151, 217, 5]);
    expect(await Promise.all([2, 0, 1].map((i) => dataset.get(i)))).toEqual([
      { id: 'c', group: 's2', fields: { features: { shape: [2], data: Float32Array.of(0, 1e-3) }, label: { shape: [], data: Int32Array.of(0) } } },
      { id: 'a', group: '7', fields: { features: { shape: [2], data: Float32Array.of(1.5, -2) }, label: { shape: [], data: Int32Array.of(1) } } },
      { id: '2', group: 's2', fields: { features: { shape: [2], data: Float32Array.of(3, 4.25) }, label: { shape: [], data: Int32Array.of(2) } } },
    ]);
    expect(await dataset.groups()).toEqual(['7', 's2', 's2']);
    await dataset.close();
  });

  it('names the missing key of the first object, the keys there are and the closest one', async () => {
    const path = await writeJsonl(join(tmp.path, 'm.jsonl'), ['', { rpm: 1, tmp: 2, label: 'cat' }]);

    expect(await dataError(openJsonl(source(path), CONTEXT))).toEqual({
      message: `${path}: expected a key "temp" (features[1]), but the first object (line 2) has "rpm", "tmp", "label". Did you mean "tmp"? Fix: correct features[1] in the data source, or the key name in the file.`,
      location: { file: path, field: 'temp' },
    });
  });

  it('reports a later object that lacks a feature key', async () => {
    const path = await writeJsonl(join(tmp.path, 'm.jsonl'), [{ rpm: 1, temp: 2, label: 'cat' }, { rpm: 3, label: 'dog' }]);
    const dataset = await openJsonl(source(path), CONTEXT);

    expect(await dataError(dataset.get(1))).toEqual({
      message: `${path} line 2, key "temp": expected a finite number, but the key is missing. Fix: clean or drop the row.`,
      location: { file: path, record: 1, row: 2, field: 'temp' },
    });
    await dataset.close();
  });

  it.each([
    ['{"rpm": 1, "temp": NaN, "label": "cat"}', 'got NaN'],
    ['{"rpm": 1, "temp": -Infinity, "label": "cat"}', 'got -Infinity'],
    ['{"rpm": 1, "temp": null, "label": "cat"}', 'got null'],
    ['{"rpm": 1, "temp": "Infinity", "label": "cat"}', 'got "Infinity"'],
    ['{"rpm": 1, "temp": [2], "label": "cat"}', 'got [2]'],
  ])('reports the non-finite feature in %s', async (line, found) => {
    const path = await writeJsonl(join(tmp.path, 'm.jsonl'), [line]);
    const dataset = await openJsonl(source(path), CONTEXT);

    expect(await dataError(dataset.get(0))).toEqual({
      message: `${path} line 1, key "temp": expected a finite number, but ${found}. Fix: clean or drop the row.`,
      location: { file: path, record: 0, row: 1, field: 'temp' },
    });
    await dataset.close();
  });

  it('reports a missing label and an unknown one', async () => {
    const path = await writeJsonl(join(tmp.path, 'm.jsonl'), [{ rpm: 1, temp: 2, label: null }, { rpm: 1, temp: 2, label: 3 }]);
    const dataset = await openJsonl(source(path), CONTEXT);

    expect(await dataError(dataset.get(0))).toEqual({
      message: `${path} line 1, key "label": expected a class label, but got null. Fix: fill in the label or drop the row.`,
      location: { file: path, record: 0, row: 1, field: 'label' },
    });
    expect(await dataError(dataset.get(1))).toEqual({
      message:
        `${path} line 2, key "label": expected a class name (one of "cat", "dog", "fish") or a class index in [0, 3), but got 3. ` +
        'Fix: correct the label, or list its class in data.classes.',
      location: { file: path, record: 1, row: 2, field: 'label' },
    });
    await dataset.close();
  });

  it('reports a line that is not a JSON object', async () => {
    const path = await writeJsonl(join(tmp.path, 'm.jsonl'), [{ rpm: 1, temp: 2, label: 'cat' }, '{"rpm": 1, "temp": 2', '[1, 2]']);
    const dataset = await openJsonl(source(path), CONTEXT);

    expect(await dataError(dataset.get(1))).toEqual({
      message: `${path} line 2: expected a JSON object, but the line is not valid JSON (invalid end of input at 1:21). Fix: repair or drop the line.`,
      location: { file: path, record: 1, row: 2 },
    });
    expect(await dataError(dataset.get(2))).toEqual({
      message: `${path} line 3: expected a JSON object, but got an array. Fix: write one object per line.`,
      location: { file: path, record: 2, row: 3 },
    });
    await dataset.close();
  });

  it('reports a missing file and a file without objects', async () => {
    const missing = join(tmp.path, 'missing.jsonl');
    const empty = join(tmp.path, 'empty.jsonl');
    await writeFile(empty, '\n \n');

    expect(await dataError(openJsonl(source(missing), CONTEXT))).toEqual({
      message: `${missing}: expected a readable file, but it does not exist. Fix: check the path in the data source.`,
      location: { file: missing },
    });
    expect(await dataError(openJsonl(source(empty), CONTEXT))).toEqual({
      message: `${empty}: expected at least one JSON object, but the file has none. Fix: write one object per line.`,
      location: { file: empty },
    });
  });
});
