import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readChampion, recordDecision, type JudgedModel, type PromotionDecision } from '../../src/registry/champion.js';
import { useS3Server } from '../helpers/s3.js';

const judged = (run: string): JudgedModel => ({ model: `/models/${run}`, run, metrics: { cohenKappa: 0.5 }, manifest: { digest: `digest-of-${run}`, files: {} } });

const decision = (id: string, promoted: boolean, against?: string): PromotionDecision => ({
  id,
  at: new Date().toISOString(),
  by: 'a test',
  promoted,
  challenger: judged(id),
  ...(against ? { champion: judged(against) } : {}),
  reason: promoted ? 'better' : 'not better',
});

describe('the champion registry', () => {
  it('starts empty, and makes promoted challengers the champion while keeping every decision', async () => {
    const root = await mkdtemp(join(tmpdir(), 'epochal-registry-'));
    expect(await readChampion(root, 'exp')).toMatchObject({ experiment: 'exp', history: [], file: join(root, 'registry', 'exp.json') });
    await recordDecision(root, 'exp', decision('a', true));
    await recordDecision(root, 'exp', decision('b', false, 'a'));
    const record = await readChampion(root, 'exp');
    expect(record.current).toMatchObject({ model: '/models/a', run: 'a', by: 'a test', manifest: { digest: 'digest-of-a' } });
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

  it('a promotion judged against a champion replaced meanwhile is recorded as stale, and the newer champion stays', async () => {
    const root = await mkdtemp(join(tmpdir(), 'epochal-registry-'));
    await recordDecision(root, 'exp', decision('a', true));
    await recordDecision(root, 'exp', decision('b', true, 'a')); // b beat a
    const late = await recordDecision(root, 'exp', decision('c', true, 'a')); // c also beat a, but a is gone
    expect(late.current).toMatchObject({ run: 'b' });
    expect(late.history.at(-1)).toMatchObject({ id: 'c', promoted: false, stale: { current: { model: '/models/b', run: 'b', by: 'a test' } } });
  });

  it('a champion with the same folder but other bytes is another champion', async () => {
    const root = await mkdtemp(join(tmpdir(), 'epochal-registry-'));
    await recordDecision(root, 'exp', decision('a', true));
    const repromoted = { ...judged('a'), manifest: { digest: 'digest-of-a-edited', files: {} } };
    const stale = await recordDecision(root, 'exp', { ...decision('d', true), champion: repromoted });
    expect(stale.current).toMatchObject({ run: 'a', manifest: { digest: 'digest-of-a' } });
    expect(stale.history.at(-1)).toMatchObject({ id: 'd', promoted: false, stale: { current: { run: 'a' } } });
  });

  it('of two first promotions racing, one becomes the champion and the other is stale', async () => {
    const root = await mkdtemp(join(tmpdir(), 'epochal-registry-'));
    await Promise.all([recordDecision(root, 'exp', decision('x', true)), recordDecision(root, 'exp', decision('y', true))]);
    const record = await readChampion(root, 'exp');
    const [first, second] = record.history;
    expect(first).toMatchObject({ promoted: true });
    expect(first!.stale).toBeUndefined();
    expect(second).toMatchObject({ promoted: false, stale: { current: { run: first!.id } } });
    expect(record.current!.run).toBe(first!.id);
  });
});

describe('the champion registry on S3 (a real versitygw server)', () => {
  const server = useS3Server(['registry']);
  const saved = { ...process.env };
  beforeAll(() => Object.assign(process.env, server().env));
  afterAll(() => {
    for (const key of Object.keys(server().env)) delete process.env[key];
    Object.assign(process.env, saved);
  });

  it('loses no decision when 20 are recorded at once, with conditional writes instead of locks', async () => {
    const root = 's3://registry/concurrent';
    await Promise.all(Array.from({ length: 20 }, (_, i) => recordDecision(root, 'exp', decision(`run-${i}`, i % 2 === 0))));
    const record = await readChampion(root, 'exp');
    expect(record.file).toBe('s3://registry/concurrent/registry/exp.json');
    expect(record.history.map((d) => d.id).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `run-${i}`).sort());
    expect(record.history.filter((d) => d.promoted)).toHaveLength(1); // the first promotion; every later one was judged against no champion: stale
  });
});
