import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readChampion, recordDecision, type PromotionDecision } from '../../src/registry/champion.js';

const decision = (id: string, promoted: boolean, model = `/models/${id}`): PromotionDecision => ({
  id,
  at: new Date().toISOString(),
  by: 'a test',
  promoted,
  challenger: { model, run: id, metrics: { cohenKappa: 0.5 } },
  reason: promoted ? 'better' : 'not better',
});

describe('the champion registry', () => {
  it('starts empty, and makes promoted challengers the champion while keeping every decision', async () => {
    const root = await mkdtemp(join(tmpdir(), 'epochal-registry-'));
    expect(await readChampion(root, 'exp')).toMatchObject({ experiment: 'exp', history: [], file: join(root, 'registry', 'exp.json') });
    await recordDecision(root, 'exp', decision('a', true));
    await recordDecision(root, 'exp', decision('b', false));
    const record = await readChampion(root, 'exp');
    expect(record.current).toMatchObject({ model: '/models/a', run: 'a', by: 'a test' });
    expect(record.history.map((d) => [d.id, d.promoted])).toEqual([['a', true], ['b', false]]);
  });

  it('records a retried decision once', async () => {
    const root = await mkdtemp(join(tmpdir(), 'epochal-registry-'));
    await recordDecision(root, 'exp', decision('same', true));
    await recordDecision(root, 'exp', decision('same', true));
    expect((await readChampion(root, 'exp')).history).toHaveLength(1);
  });

  it('loses no decision when many are recorded at once', async () => {
    const root = await mkdtemp(join(tmpdir(), 'epochal-registry-'));
    await Promise.all(Array.from({ length: 20 }, (_, i) => recordDecision(root, 'exp', decision(`run-${i}`, i % 2 === 0))));
    const record = await readChampion(root, 'exp');
    expect(record.history.map((d) => d.id).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `run-${i}`).sort());
  });
});
