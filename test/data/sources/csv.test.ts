import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CsvSource } from '../../../src/config/data/sources.js';
import { openCsv } from '../../../src/data/sources/csv.js';
import { CONTEXT, dataError, useTempDir, writeCsv } from '../../helpers/data-files.js';

const tmp = useTempDir();

function source(path: string, columns: Record<string, unknown> = {}) {
  return CsvSource.parse({ type: 'csv', path, features: ['rpm', 'temp'], label: 'label', ...columns });
}

describe('openCsv', () => {
  it('reads back the ids, groups, features and labels that were written', async () => {
    const path = await writeCsv(join(tmp.path, 'm.csv'), [
      ['id', 'subject', 'rpm', 'temp', 'label'],
      ['a', 's1', 1.5, -2, 'cat'],
      ['b', 's1', 3, 4.25, 'fish'],
      ['c', 's2', 0, 1e-3, '1'],
    ]);
    const dataset = await openCsv(source(path, { id: 'id', group: 'subject' }), CONTEXT);

    expect(dataset.length).toBe(3);
    expect(dataset.fields).toEqual({
      features: { kind: 'features', shape: [2], dtype: 'float32' },
      label: { kind: 'label', shape: [], dtype: 'int32' },
    });
    const records = await Promise.all([0, 1, 2].map((i) => dataset.get(i)));
    expect(records).toEqual([
      { id: 'a', group: 's1', fields: { features: { shape: [2], data: Float32Array.of(1.5, -2) }, label: { shape: [], data: Int32Array.of(0) } } },
      { id: 'b', group: 's1', fields: { features: { shape: [2], data: Float32Array.of(3, 4.25) }, label: { shape: [], data: Int32Array.of(2) } } },
      { id: 'c', group: 's2', fields: { features: { shape: [2], data: Float32Array.of(0, 1e-3) }, label: { shape: [], data: Int32Array.of(1) } } },
    ]);
    expect(await dataset.groups()).toEqual(['s1', 's1', 's2']);
    expect(dataset.files).toEqual([path]);
    await dataset.close();
  });

  it('numbers rows from 1 without an id column, reads another delimiter, and needs no label column', async () => {
    const path = await writeCsv(join(tmp.path, 'm.csv'), [['rpm', 'temp'], [1, 2], [3, 4]], ';');
    const dataset = await openCsv(CsvSource.parse({ type: 'csv', path, delimiter: ';', features: ['temp', 'rpm'] }), CONTEXT);

    expect(Object.keys(dataset.fields)).toEqual(['features']);
    expect(await dataset.get(1)).toEqual({ id: '2', fields: { features: { shape: [2], data: Float32Array.of(4, 3) } } });
    expect(await dataset.groups()).toEqual(['1', '2']);
    await dataset.close();
  });

  it('reads any row on its own when quoted cells hold delimiters, quotes and newlines', async () => {
    const path = join(tmp.path, 'm.csv');
    await writeFile(path, 'id,rpm,temp,label\r\n"a, first",1,2,cat\r\n\r\n"b ""x""\r\nline",3,4,dog\r\nc,5,6,"fi\nsh"\r\n');
    const dataset = await openCsv(source(path, { id: 'id', label: undefined }), CONTEXT);

    expect(dataset.length).toBe(3);
    expect((await dataset.get(2)).id).toBe('c');
    expect((await dataset.get(1)).id).toBe('b "x"\r\nline');
    expect(await dataset.get(0)).toEqual({ id: 'a, first', fields: { features: { shape: [2], data: Float32Array.of(1, 2) } } });
    expect(Array.from(dataset.rows)).toEqual([19, 2, 39, 4, 66, 6]);
    await dataset.close();
  });

  it('opens a 200k-row file keeping only each row’s offset and line, and reads rows back from anywhere', async () => {
    const rows = 200_000;
    const lines = ['id,rpm,temp,label'];
    for (let i = 0; i < rows; i++) lines.push(`r${i},${i},${i / 4},${['cat', 'dog', 'fish'][i % 3]}`);
    const path = join(tmp.path, 'big.csv');
    await writeFile(path, lines.join('\n') + '\n');

    const dataset = await openCsv(source(path, { id: 'id' }), CONTEXT);

    expect(dataset.length).toBe(rows);
    const perRowState = Object.values(dataset).filter(
      (value: unknown) => (ArrayBuffer.isView(value) || Array.isArray(value)) && (value as ArrayLike<unknown>).length >= rows,
    );
    expect(perRowState).toEqual([dataset.rows]);
    expect(dataset.rows).toBeInstanceOf(Float64Array);
    expect(dataset.rows.length).toBe(2 * rows);
    for (const i of [0, 1, 99_999, 123_457, rows - 1]) {
      expect(await dataset.get(i)).toEqual({
        id: `r${i}`,
        fields: { features: { shape: [2], data: Float32Array.of(i, i / 4) }, label: { shape: [], data: Int32Array.of(i % 3) } },
      });
    }
    expect(dataset.rows[2 * (rows - 1) + 1]).toBe(rows + 1);
    await dataset.close();
  });

  it('names the missing column, the columns there are and the closest one', async () => {
    const path = await writeCsv(join(tmp.path, 'm.csv'), [['rmp', 'temp', 'label'], [1, 2, 'cat']]);

    expect(await dataError(openCsv(source(path), CONTEXT))).toEqual({
      message: `${path}: expected a column "rpm" (features[0]), but the header has "rmp", "temp", "label". Did you mean "rmp"? Fix: correct features[0] in the data source, or the column name in the file.`,
      location: { file: path, field: 'rpm' },
    });
  });

  it.each([
    ['NaN', 'got "NaN"'],
    ['Infinity', 'got "Infinity"'],
    ['-inf', 'got "-inf"'],
    ['', 'the cell is empty'],
  ])('reports a feature of %j with its line and column', async (cell, found) => {
    const path = await writeCsv(join(tmp.path, 'm.csv'), [['rpm', 'temp', 'label'], [1, 2, 'cat'], [3, cell, 'dog']]);
    const dataset = await openCsv(source(path), CONTEXT);

    expect(await dataError(dataset.get(1))).toEqual({
      message: `${path} line 3, column "temp": expected a finite number, but ${found}. Fix: clean or drop the row.`,
      location: { file: path, record: 1, row: 3, field: 'temp' },
    });
    await dataset.close();
  });

  it('reports a feature too large for float32', async () => {
    const path = await writeCsv(join(tmp.path, 'm.csv'), [['rpm', 'temp', 'label'], [1, '-1e39', 'cat']]);
    const dataset = await openCsv(source(path), CONTEXT);

    expect(await dataError(dataset.get(0))).toEqual({
      message: `${path} line 2, column "temp": expected a number in the float32 range, but got "-1e39". Fix: rescale the feature.`,
      location: { file: path, record: 0, row: 2, field: 'temp' },
    });
    await dataset.close();
  });

  it('reports an empty label cell', async () => {
    const path = await writeCsv(join(tmp.path, 'm.csv'), [['rpm', 'temp', 'label'], [1, 2, '']]);
    const dataset = await openCsv(source(path), CONTEXT);

    expect(await dataError(dataset.get(0))).toEqual({
      message: `${path} line 2, column "label": expected a class label, but the cell is empty. Fix: fill in the label or drop the row.`,
      location: { file: path, record: 0, row: 2, field: 'label' },
    });
    await dataset.close();
  });

  it.each([
    ['Dog', 'got "Dog" (did you mean "dog"?)'],
    ['3', 'got 3'],
    ['1.5', 'got "1.5"'],
  ])('reports the unknown label %j with the classes there are', async (label, found) => {
    const path = await writeCsv(join(tmp.path, 'm.csv'), [['rpm', 'temp', 'label'], [1, 2, label]]);
    const dataset = await openCsv(source(path), CONTEXT);

    expect(await dataError(dataset.get(0))).toEqual({
      message:
        `${path} line 2, column "label": expected a class name (one of "cat", "dog", "fish") or a class index in [0, 3), but ${found}. ` +
        'Fix: correct the label, or list its class in data.classes.',
      location: { file: path, record: 0, row: 2, field: 'label' },
    });
    await dataset.close();
  });

  it('reports a missing file', async () => {
    const path = join(tmp.path, 'missing.csv');

    expect(await dataError(openCsv(source(path), CONTEXT))).toEqual({
      message: `${path}: expected a readable file, but it does not exist. Fix: check the path in the data source.`,
      location: { file: path },
    });
  });

  it('reports a row with too few columns at its line', async () => {
    const path = join(tmp.path, 'm.csv');
    await writeFile(path, 'rpm,temp,label\n1,2,cat\n3;4;dog\n');

    expect(await dataError(openCsv(source(path), CONTEXT))).toEqual({
      message: `${path} line 3: expected 3 columns, as in the header, but got 1. Fix: give every row 3 values, quoting values that contain ",".`,
      location: { file: path, row: 3 },
    });
  });

  it('reports a quote that is never closed at the line of its row', async () => {
    const path = join(tmp.path, 'm.csv');
    await writeFile(path, 'rpm,temp,label\n1,2,"cat\n3,4,dog\n5,6,fish\n');

    expect(await dataError(openCsv(source(path), CONTEXT))).toEqual({
      message: `${path} line 2: expected valid CSV, but a quote opened in the row starting here is never closed. Fix: close the quote, and double quotes inside quoted values ("").`,
      location: { file: path, row: 2 },
    });
  });

  it('reports other malformed CSV in the parser’s words', async () => {
    const path = join(tmp.path, 'm.csv');
    await writeFile(path, 'rpm,temp,label\n1,2,cat\n3,"4"x,dog\n');

    expect(await dataError(openCsv(source(path), CONTEXT))).toEqual({
      message:
        `${path} line 3: expected valid CSV, but the CSV parser reports "Invalid Closing Quote: got \\"x\\" at line 3 instead of delimiter, record delimiter, trimable character (if activated) or comment". ` +
        'Fix: repair the file (check its quotes, and that "," is its delimiter).',
      location: { file: path, row: 3 },
    });
  });

  it('reports a file with a header but no rows', async () => {
    const path = await writeCsv(join(tmp.path, 'm.csv'), [['rpm', 'temp', 'label']]);

    expect(await dataError(openCsv(source(path), CONTEXT))).toEqual({
      message: `${path}: expected a header row and at least one data row, but the file has only the header. Fix: write the data below a header row.`,
      location: { file: path },
    });
  });
});
