import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/data/dataset.js';
import { recordGroups, RecordGroups } from '../../src/data/groups.js';
import type { PrepareProgress } from '../../src/data/progress.js';

const record = (id: string, group?: string) => ({ id, ...(group ? { group } : {}), fields: {} });

describe('record groups', () => {
  it('keep each distinct name once, numbered by first appearance, and a number per record', () => {
    const groups = new RecordGroups(5);
    ['s2', 's1', 's2', 's3', 's1'].forEach((name, i) => groups.set(i, name));
    expect(groups.names).toEqual(['s2', 's1', 's3']);
    expect([0, 1, 2, 3, 4].map((i) => groups.names[groups.of(i)])).toEqual(['s2', 's1', 's2', 's3', 's1']);
  });

  it('come from the dataset when it lists them, without reading a record', async () => {
    const dataset: Dataset = { length: 3, fields: {}, origin: 'listed', get: () => expect.unreachable('no record is read'), groups: () => ['a', 'b', 'a'] };
    const reports: PrepareProgress[] = [];
    const groups = await recordGroups(dataset, (progress) => void reports.push(progress));
    expect(groups.names).toEqual(['a', 'b']);
    expect([groups.of(0), groups.of(1), groups.of(2)]).toEqual([0, 1, 0]);
    expect(reports).toEqual([]);
  });

  it('are otherwise read from each record (its id when it has no group), reporting every record scanned', async () => {
    const records = [record('r0', 'g1'), record('r1'), record('r2', 'g1')];
    const dataset: Dataset = { length: 3, fields: {}, origin: 'records', get: (i) => records[i]! };
    const reports: PrepareProgress[] = [];
    const groups = await recordGroups(dataset, (progress) => void reports.push(progress));
    expect(groups.names).toEqual(['g1', 'r1']);
    expect([groups.of(0), groups.of(1), groups.of(2)]).toEqual([0, 1, 0]);
    expect(reports).toEqual([1, 2, 3].map((done) => ({ phase: 'scanning', done, total: 3, unit: 'records' })));
  });
});
